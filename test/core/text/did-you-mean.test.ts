import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../../functions/src/core/text/did-you-mean.js';

describe('did you mean', () => {
  it('measures insertions, deletions, substitutions and swapped neighbours', () => {
    expect(editDistance('learningDays', 'learningDays')).toBe(0);
    expect(editDistance('learningDay', 'learningDays')).toBe(1);
    expect(editDistance('leanringDays', 'learningDays')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('offers the closest candidate only when it looks like a typo', () => {
    const keys = ['learningDays', 'logRetentionDays', 'lockRetention', 'sources', 'scope', 'scopeId'];
    expect(closest('learningDay', keys)).toBe('learningDays');
    expect(closest('LearningDays', keys)).toBe('learningDays');
    expect(closest('scopeID', keys)).toBe('scopeId');
    expect(closest('source', keys)).toBe('sources');
    expect(closest('frobnicate', keys)).toBeUndefined();
    expect(closest('x', keys)).toBeUndefined();
  });
});
