/** Credential globs: `*` only, matched without regular expressions, so no pattern can make a match slow. */
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatches } from '../../../functions/src/core/baseline/glob.js';
import { rng } from '../../../examples/scenario.js';

describe('credential globs', () => {
  it.each([
    ['*@example-project.iam.gserviceaccount.com', 'etl@example-project.iam.gserviceaccount.com', true],
    ['*@example-project.iam.gserviceaccount.com', 'etl@other.iam.gserviceaccount.com', false],
    ['db-user:app_*', 'db-user:app_ro', true],
    ['db-user:app_*', 'db-user:app', false],
    ['a*b*a', 'aba', true],
    ['a*b*a', 'ab', false],
    ['a*a', 'a', false],
    ['*', '', true],
    ['**', 'x', true],
    ['x', 'x', true],
    ['a*.b', 'aXb', false],
  ])('%s ~ %s: %s', (pattern, text, expected) => expect(globMatches(compileGlob(pattern), text)).toBe(expected));

  it('agrees with the regular expression a glob means, on random short patterns and names', () => {
    const random = rng(7);
    const pick = (n: number, alphabet: string) => Array.from({ length: Math.floor(random() * n) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 5000; i++) {
      const pattern = pick(8, 'ab*.');
      const text = pick(10, 'ab.');
      const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.]/g, '\\.')).join('.*')}$`, 's');
      expect(globMatches(compileGlob(pattern), text), `${pattern} ~ ${text}`).toBe(regex.test(text));
    }
  });

  it('answers a pattern that backtracks as a regular expression (minutes at 40 characters) at once', () => {
    const glob = compileGlob('*a*a*a*a*a*a*a*a*a*a*a*a*!');
    expect(globMatches(glob, 'a'.repeat(40))).toBe(false);
    expect(globMatches(glob, `${'a'.repeat(40)}!`)).toBe(true);
    expect(globMatches(glob, 'a'.repeat(100_000))).toBe(false);
  });
});
