/**
 * SharedStrings: what the remembered flow identities share must be exact (a string is shared only
 * with an equal string) and bounded. (Which copy of a string comes back cannot be told apart in
 * JavaScript: what is observable is how many it keeps.)
 */
import { describe, expect, it } from 'vitest';
import { SharedStrings } from '../../../functions/src/core/parse/shared-strings.js';

describe('SharedStrings', () => {
  it('keeps one entry for equal strings however they were built, one for each distinct string', () => {
    const strings = new SharedStrings();
    expect(strings.string(['vpc-flow|', 'redis'].join(''))).toBe('vpc-flow|redis');
    expect(strings.string(['vpc-flow', '|redis'].join(''))).toBe('vpc-flow|redis');
    expect(strings.size).toBe(1);
    expect(strings.string('vpc-flow|redis:6379')).toBe('vpc-flow|redis:6379');
    expect(strings.size).toBe(2);
  });

  it('stays bounded: at its limit it starts over', () => {
    const strings = new SharedStrings();
    for (let i = 0; i < 8_192; i++) strings.string(`part-${i}`);
    expect(strings.size).toBe(8_192);
    expect(strings.string('part-8192')).toBe('part-8192');
    expect(strings.size).toBe(1);
  });
});
