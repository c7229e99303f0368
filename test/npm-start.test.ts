/** `npm start`: the main job on the bundled examples ends with a check a new user can read. */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs module of the examples, without type declarations
import { plantedSummary } from '../examples/planted.mjs';
import { repoRoot } from './support/fixtures.js';

function start(args: string[] = []) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'examples/run-example.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm start', () => {
  it('shows the digest as readable text and ends with the check against the planted anomalies', () => {
    const result = start();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('13 of 13 planted anomalies found, 0 other findings');
    expect(result.stdout).toMatch(/^log-audit · acme-prod: 13 new anomalies — worst: HIGH$/m);
    expect(result.stdout).toMatch(/^If expected: `log-audit accept --report \S+report\.json --finding [0-9a-f]{12} --baselines \S+`$/m);
    expect(result.stdout).not.toMatch(/"blocks"/);
  });

  it('prints the Block Kit JSON only when asked (--json)', () => {
    const result = start(['--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/"blocks": \[/);
  });

  it('the check fails on a missed planted anomaly and on a finding nobody planted', async () => {
    const planted = JSON.parse(await readFile(join(repoRoot, 'examples/expected-findings.json'), 'utf8')) as Record<string, unknown>[];
    const extra = { kind: 'gcs', type: 'new-source', target: 'acme-ml-datasets', source: 'ip:192.0.2.1', credential: 'x@example.com' };
    const summary = plantedSummary(planted, [...planted.slice(1), extra]) as { ok: boolean; lines: string[] };
    expect(summary.ok).toBe(false);
    expect(summary.lines[0]).toBe('12 of 13 planted anomalies found, 1 other finding');
    expect(summary.lines.slice(1)).toEqual([expect.stringMatching(/^ {2}missed: new-credential on acme-finance-reports/), '  not planted: new-source on acme-ml-datasets from ip:192.0.2.1']);
    expect((plantedSummary(planted, planted) as { ok: boolean }).ok).toBe(true);
  });
});
