/**
 * SharedStrings: what the remembered flow identities share must be exact (a string is shared only
 * with an equal string) and bounded.
 */
import { describe, expect, it } from 'vitest';
import { SharedStrings } from '../../../functions/src/core/parse/shared-strings.js';

describe('SharedStrings', () => {
  it('shares equal strings, and only those', () => {
    const strings = new SharedStrings();
    const a = strings.string(['vpc-flow|', 'redis'].join(''));
    expect(strings.string(['vpc-flow', '|redis'].join(''))).toBe(a);
    expect(strings.string('vpc-flow|redis:6379')).toBe('vpc-flow|redis:6379');
  });

  it('stays bounded: past its limit it starts over, and what it handed out stays valid', () => {
    const strings = new SharedStrings();
    const first = strings.string(`part-${0}`);
    for (let i = 1; i <= 8_192; i++) strings.string(`part-${i}`);
    expect(first).toBe('part-0');
    expect(strings.string(`part-${0}`)).toBe('part-0');
    expect((strings as unknown as { strings: Map<string, string> }).strings.size).toBeLessThanOrEqual(8_192);
  });
});
