/**
 * The bench's function path (functions/scripts/bench/function-path.ts) runs as the function is
 * deployed: bundled by bundleEntry with its download thread's bundle beside it, started with plain
 * `node` and the deployed NODE_OPTIONS and GLIBC_TUNABLES, reading from the loopback GCS server.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry, FUNCTION_GLIBC_TUNABLES, FUNCTION_NODE_OPTIONS, writeFunctionBundle } from '../../functions/scripts/bundle-function.mjs';
import { productionFlows } from '../../functions/scripts/bench/production-flows.js';
import { FakeGcsServer } from '../support/gcs-server.js';
import { repoRoot, withTempDir } from '../support/fixtures.js';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...FUNCTION_NODE_OPTIONS.split(' '), ...args], { env: { ...process.env, ...env, GLIBC_TUNABLES: FUNCTION_GLIBC_TUNABLES }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('the bench function path', () => {
  const gcs = new FakeGcsServer();
  let emulator = '';
  beforeAll(async () => {
    emulator = await gcs.start();
  });
  afterAll(async () => {
    await gcs.stop();
  });

  it('audits an object through the bundled read path and reports its time, peak RSS and lines', async () => {
    await withTempDir(async (dir) => {
      const bundleDir = join(dir, 'function-path');
      await mkdir(bundleDir);
      const entry = join(bundleDir, 'index.js');
      await writeFunctionBundle(bundleDir, 'functions/scripts/bench/function-path.ts');
      const flows = productionFlows(3, '2026-11-24T03');
      const lines = Array.from({ length: 700 }, () => flows.line());
      const generation = gcs.put('bench-logs', 'shard.json', `${lines.join('\n')}\n`);
      const baselines = join(dir, 'baselines');
      await mkdir(baselines);
      // Run from elsewhere: the bundle needs nothing beside it but its runtime files.
      const result = await run([entry, baselines, 'bench-logs', 'shard.json', String(generation)], { STORAGE_EMULATOR_HOST: emulator });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stderr.trim().split('\n').pop()!) as { seconds: number; maxRssMb: number; lines: number };
      expect(report.lines).toBe(700);
      expect(report.seconds).toBeGreaterThan(0);
      expect(report.maxRssMb).toBeGreaterThan(10);
      // The read went to the loopback server, as a download of the whole object.
      expect(gcs.requests.some((r) => r.op === 'media' && r.object === 'shard.json')).toBe(true);
    });
  }, 60_000);

  it('says how to call it, without a stack trace, when arguments are missing', async () => {
    await withTempDir(async (dir) => {
      const entry = join(dir, 'index.js');
      await writeFile(entry, (await bundleEntry('functions/scripts/bench/function-path.ts')).code);
      const result = await run([entry], { STORAGE_EMULATOR_HOST: emulator });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('usage: node function-path.js BASELINES_DIR BUCKET OBJECT GENERATION');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  }, 60_000);
});
