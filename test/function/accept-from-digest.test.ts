/**
 * The digest's accept command, end to end: the function posts `log-audit accept --report gs://… --finding ID`;
 * run as printed (the real binary, reading the report from the loopback GCS server through
 * @google-cloud/storage), it makes exactly that finding normal: the same batch audits silent.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliAsync } from '../support/cli.js';
import { withTempDir } from '../support/fixtures.js';
import { gcsSamples, Pipeline } from '../support/pipeline.js';

let p: Pipeline;

beforeEach(async () => {
  p = await new Pipeline().start();
});
afterEach(async () => {
  await p.stop();
});

describe('accept from a digest', () => {
  it('the posted command reads the finding from the state bucket and silences it', async () => {
    const { allowed, denied } = await gcsSamples();
    await p.deliver(p.putExport([allowed, denied]));
    const digest = JSON.stringify(p.slack.delivered()[0]);
    const command = /\*If expected:\* `(log-audit accept [^`]+)`/.exec(digest)![1]!;
    expect(command).toMatch(/^log-audit accept --report gs:\/\/example-log-audit-state\/reports\/example-log-exports\/cloudaudit\.googleapis\.com\/data_access\/[0-9/]+\d\d:00:00_\d\d:59:59_S\d\.json%23\d+\.json --finding [0-9a-f]{12}$/);
    const args = command.split(' ').slice(1);
    const result = await runCliAsync([...args, '--baselines', p.baselinesDir]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/updated .*example-bucket\.yaml:\n  \+ sources: ip:198\.51\.100\.23\n  \+ credentials: intruder@example\.com/);
    expect(await readFile(join(p.baselinesDir, 'gcs', 'example-bucket.yaml'), 'utf8')).toMatch(/reason: accepted finding [0-9a-f]{12}/);
    // The function reads baselines as deployed (the next `pulumi up`); the CLI judges the same batch now.
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'batch.json'), `${allowed}\n${denied}\n`);
      const audit = await runCliAsync(['audit', '--baselines', p.baselinesDir, join(dir, 'batch.json')]);
      expect(audit.stdout).toMatch(/^No anomalies\./);
    });
  });

  it('a report that is not in the bucket is one clear line, exit 2', async () => {
    const result = await runCliAsync(['accept', '--report', 'gs://example-log-audit-state/reports/none.json', '--finding', '0123456789ab', '--baselines', p.baselinesDir]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('log-audit: accept: --report gs://example-log-audit-state/reports/none.json: no such report');
  });
});
