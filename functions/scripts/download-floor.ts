/**
 * What receiving an object costs before any audit: a file served by the loopback GCS server of
 * test/support/ and downloaded in a child process with the functions' deployed NODE_OPTIONS and
 * GLIBC_TUNABLES, by a bare `http.get` and by the function's storage client (bench/download-only.ts,
 * bundled as the function is). Runs alternate; each is printed, then the medians.
 *
 *   npx tsx functions/scripts/download-floor.ts FILE [--runs 3]
 *
 * Compare with `log-audit audit --workers 0 FILE`: the function's read is this download and that
 * scan on one thread (docs/throughput.md, "The function's path").
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './bench/median.js';
import { bundleEntry, FUNCTION_GLIBC_TUNABLES, FUNCTION_NODE_OPTIONS } from './bundle-function.mjs';
import { FakeGcsServer } from '../../test/support/gcs-server.js';

interface Download {
  seconds: number;
  userSeconds: number;
  systemSeconds: number;
  bytes: number;
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Download> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...FUNCTION_NODE_OPTIONS.split(' '), script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(err.trim().split('\n').pop() ?? '') as Download);
      } catch {
        reject(new Error(`download child exited ${code}: ${err.slice(-500)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' }, help: { type: 'boolean' } } });
  const file = positionals[0];
  const runs = Number(values.runs);
  if (values.help || !file || !Number.isInteger(runs) || runs < 1) {
    process.stdout.write('Usage: npx tsx functions/scripts/download-floor.ts FILE [--runs N]\n');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'download-floor-'));
  const gcs = new FakeGcsServer();
  try {
    const script = join(dir, 'download-only.js');
    await writeFile(script, (await bundleEntry('functions/scripts/bench/download-only.ts')).code);
    const env = { STORAGE_EMULATOR_HOST: await gcs.start(), GLIBC_TUNABLES: FUNCTION_GLIBC_TUNABLES };
    const name = basename(file);
    const generation = String(gcs.put('bench-logs', name, await readFile(file)));
    gcs.prepare('bench-logs', name);
    const results: Record<'http' | 'client', Download[]> = { http: [], client: [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of ['http', 'client'] as const) {
        const d = await run(script, ['bench-logs', name, generation, mode], env);
        results[mode].push(d);
        process.stdout.write(`${mode.padEnd(6)} ${d.seconds.toFixed(2)} s, CPU ${(d.userSeconds + d.systemSeconds).toFixed(2)} s (user ${d.userSeconds.toFixed(2)}, system ${d.systemSeconds.toFixed(2)}), ${d.bytes} bytes\n`);
      }
    }
    for (const mode of ['http', 'client'] as const) {
      const r = results[mode];
      process.stdout.write(`median ${mode}: ${median(r.map((d) => d.seconds)).toFixed(2)} s, CPU ${median(r.map((d) => d.userSeconds + d.systemSeconds)).toFixed(2)} s\n`);
    }
  } finally {
    await gcs.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`download-floor: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
