/**
 * Suggested accept commands carry no log text: only a report location and a finding id, each a word
 * no shell treats specially. Pasted into bash, zsh (with extended_glob) and fish they run log-audit
 * with exactly those words, and nothing else, whatever the finding's values were.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptanceFor, acceptCommand, decodeReportWord, isShellSafeWord, reportWord } from '../../../functions/src/core/baseline/accept-command.js';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import { withTempDir } from '../../support/fixtures.js';

/** Values attackers choose: a MySQL user name that ends fish's quoting, and worse. */
const HOSTILE = [
  "x\\';touch /tmp/p;#",
  '$(touch /tmp/p)',
  '`touch /tmp/p`',
  "a'b\"c; rm -rf ~",
  'name\nsecond line',
  '\u202eevil\u200b',
  '*(#q) ~/.ssh/*',
];

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: '0123456789ab',
    kind: 'cloudsql',
    type: 'new-credential',
    severity: 'high',
    title: 't',
    target: 'proj:db',
    source: 'ip:203.0.113.7',
    sourceDescription: '203.0.113.7',
    credential: 'db-user:app',
    count: 1,
    failures: 0,
    firstSeen: '2026-11-24T00:00:00Z',
    lastSeen: '2026-11-24T00:00:00Z',
    actions: [],
    resources: [],
    userAgents: [],
    rule: { baseline: null, section: null, detail: '', nearest: [] },
    refs: [],
    ...over,
  };
}

const GS_REPORT = 'gs://acme-log-audit-state/reports/acme-logs/cloudaudit.googleapis.com/data_access/2026/11/24/01:00:00_01:59:59_S0.json#1741000000000001.json';

describe('suggested accept command', () => {
  it('names only the report and the finding, whatever the finding holds', () => {
    for (const value of HOSTILE) {
      const command = acceptCommand(finding({ credential: `db-user:${value}`, target: value, source: `ip:${value}` }), { report: GS_REPORT });
      expect(command).toBe('log-audit accept --report gs://acme-log-audit-state/reports/acme-logs/cloudaudit.googleapis.com/data_access/2026/11/24/01:00:00_01:59:59_S0.json%231741000000000001.json --finding 0123456789ab');
      // Our own flags, and values no shell treats specially.
      for (const word of command!.split(' ')) expect(/^--(report|finding|baselines)$/.test(word) || isShellSafeWord(word), word).toBe(true);
    }
  });

  it('percent-encodes what is not safe in a gs:// report, and accept decodes it back', () => {
    const word = reportWord('gs://b/a b#1 ü%.json')!;
    expect(word).toBe('gs://b/a%20b%231%20%C3%BC%25.json');
    expect(decodeReportWord(word)).toBe('gs://b/a b#1 ü%.json');
  });

  it('gives no command for a local report or baselines folder no safe word names, nor for findings no entry accepts', () => {
    expect(acceptCommand(finding(), { report: '/tmp/my reports/r.json' })).toBeUndefined();
    expect(acceptCommand(finding(), { report: '/tmp/r.json', baselinesDir: 'base lines' })).toBeUndefined();
    expect(acceptCommand(finding({ type: 'failed-auth-burst' }), { report: '/tmp/r.json' })).toBeUndefined();
    expect(acceptCommand(finding(), {})).toBeUndefined();
    expect(acceptCommand(finding(), { report: '/tmp/r.json', baselinesDir: 'ops/baselines' })).toBe('log-audit accept --report /tmp/r.json --finding 0123456789ab --baselines ops/baselines');
  });

  it.each([
    ['-rf', false],
    ['=cmd', false],
    ['~/x', false],
    ['%1', false],
    ['a b', false],
    ['a#b', false],
    ["it's", false],
    ['a;b', false],
    ['gs://b/o%23.json', true],
    ['/tmp/r.json', true],
  ])('%j is a safe word: %s', (word, safe) => expect(isShellSafeWord(word)).toBe(safe));

  it('accepting takes the source, credential and pair from the finding; the pair only for a known pair', () => {
    expect(acceptanceFor(finding())).toEqual({ kind: 'cloudsql', target: 'proj:db', source: 'ip:203.0.113.7', credential: 'db-user:app', pairOnly: false });
    expect(acceptanceFor(finding({ type: 'credential-from-new-source' }))).toMatchObject({ pairOnly: true });
    expect(acceptanceFor(finding({ source: 'unrecorded' }))).toEqual({ kind: 'cloudsql', target: 'proj:db', credential: 'db-user:app', pairOnly: false });
    expect(acceptanceFor(finding({ type: 'tracking-overflow' }))).toEqual({ refused: 'finding 0123456789ab is a tracking-overflow, which no baseline entry makes normal' });
  });
});

const SHELLS: [string, string[]][] = [
  ['/bin/bash', ['-c']],
  ['/usr/bin/zsh', ['-o', 'extendedglob', '-c']],
  ['/usr/bin/fish', ['-c']],
];

describe.each(SHELLS)('pasted into %s', (shell, flags) => {
  it.skipIf(!existsSync(shell))('runs log-audit with exactly the suggested words, nothing else (skipped when the shell is absent)', async () => {
    await withTempDir(async (dir) => {
      // A stand-in log-audit that records its arguments; a command that ran anything else would leave a trace.
      await writeFile(join(dir, 'log-audit'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/argv"\n`, { mode: 0o755 });
      for (const value of HOSTILE) {
        const command = acceptCommand(finding({ credential: `db-user:${value.replace('/tmp/p', `${dir}/pwned`)}` }), { report: GS_REPORT })!;
        execFileSync(shell, [...flags, command], { cwd: dir, env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir }, stdio: 'pipe' });
        expect((await readFile(join(dir, 'argv'), 'utf8')).split('\n').slice(0, -1)).toEqual(command.split(' ').slice(1));
        expect(existsSync(join(dir, 'pwned'))).toBe(false);
      }
    });
  });
});
