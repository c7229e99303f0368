/**
 * `log-audit learn gs://BUCKET[/PREFIX]`: the real binary reading export objects through
 * @google-cloud/storage (unmodified, STORAGE_EMULATOR_HOST) from the loopback GCS server, streaming a
 * few at a time, writes exactly the baselines `learn` writes for the same objects as local files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from './support/cli.js';
import { folderContents, repoRoot, walkFiles, withTempDir } from './support/fixtures.js';
import { FakeGcsServer } from './support/gcs-server.js';

const history = join(repoRoot, 'examples', 'history');
let server: FakeGcsServer;
let emulator: string;

beforeAll(async () => {
  server = new FakeGcsServer();
  emulator = await server.start();
  // Each top folder of the examples is a log bucket, as a sink writes it.
  for (const file of await walkFiles(history)) {
    const [bucket, ...name] = relative(history, file).split(sep);
    server.put(bucket!, name.join('/'), await readFile(file));
  }
});
afterAll(async () => {
  await server.stop();
});

const env = () => ({ STORAGE_EMULATOR_HOST: emulator, GOOGLE_CLOUD_PROJECT: 'test' });

describe('learn from Cloud Storage', () => {
  it('writes the same baselines as learning the same objects as local files', async () => {
    await withTempDir(async (dir) => {
      const local = await runCliAsync(['learn', '--quiet', '--out', join(dir, 'local'), history]);
      expect(local.status, local.stderr).toBe(0);
      const buckets = (await readdir(history)).map((b) => `gs://${b}`);
      const remote = await runCliAsync(['learn', '--quiet', '--downloads', '3', '--out', join(dir, 'remote'), ...buckets], env());
      expect(remote.stderr).toBe('');
      expect(remote.status).toBe(0);
      expect(remote.stdout.split('\n')[0]).toBe(local.stdout.split('\n')[0]);
      const [a, b] = [await folderContents(join(dir, 'local')), await folderContents(join(dir, 'remote'))];
      expect(Object.keys(b).length).toBeGreaterThan(5);
      expect(b).toEqual(a);
      // Objects were read, not listed only: one media request each, a few at a time.
      expect(server.requests.filter((r) => r.op === 'media').length).toBe((await walkFiles(history)).length);
    });
  });

  it('reads a prefix only, and retries an object whose read fails before it yields a byte', async () => {
    await withTempDir(async (dir) => {
      const [bucket] = await readdir(history);
      const prefix = 'cloudaudit.googleapis.com/activity/';
      const names = server.list(bucket!, prefix).map((o) => o.name);
      expect(names.length).toBeGreaterThan(1);
      const reads = () => server.requests.filter((r) => r.op === 'media' && r.object === names[0]).length;
      const before = reads();
      server.fault({ op: 'media', object: names[0]! }, { type: 'status', status: 503 });
      const result = await runCliAsync(['learn', '--out', join(dir, 'b'), `gs://${bucket}/${prefix}`], env());
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^learned from ${names.length} files, `));
      expect(result.stderr).not.toMatch(/could not be read/);
      expect(reads() - before).toBe(2);
    });
  });

  it('an object that breaks after lines were taken from it is reported with how far it got, never read twice', async () => {
    await withTempDir(async (dir) => {
      const [bucket] = await readdir(history);
      const big = server.list(bucket!).sort((x, y) => y.data.length - x.data.length)[0]!;
      server.fault({ op: 'media', object: big.name }, { type: 'reset-after', bytes: Math.floor(big.data.length / 2) });
      const result = await runCliAsync(['learn', '--out', join(dir, 'b'), `gs://${bucket}/${big.name}`], env());
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(new RegExp(`gs://${bucket}/${big.name.replace(/[.]/g, '\\.')}: could not be read after \\d+ bytes \\(the lines before were learned; read it again alone to learn the rest\\)`));
    });
  });

  it.each([
    [['gs://no-such-bucket-here'], /learn: no export objects .* under gs:\/\/no-such-bucket-here/],
    [['gs://'], /learn: gs:\/\/ is not a gs:\/\/BUCKET\[\/PREFIX\] location/],
  ])('%j exits 2 with one line', async (args, message) => {
    await withTempDir(async (dir) => {
      const result = await runCliAsync(['learn', '--out', join(dir, 'b'), ...args], env());
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    });
  });
});
