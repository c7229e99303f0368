/**
 * The bench's function path: one audit of an exported object as the deployed function reads it —
 * auditObject, its download thread authorized by the unmodified @google-cloud/storage client,
 * checksums validated — timed from just before the read to its end (imports and baselines excluded).
 *
 * bench.ts bundles this module the way the function is bundled (bundle-function.mjs:
 * writeFunctionBundle; minified CommonJS with the storage client inside, download-worker.js beside
 * it) and runs the bundle with plain `node` and the functions' NODE_OPTIONS and GLIBC_TUNABLES, so
 * the bench measures the code we deploy. Run from the TypeScript sources through tsx instead, the same 1 GiB production-cluster read took 4.30-4.31 s
 * against 3.97-4.06 s bundled, at 178-193 against 160-164 MiB (three alternating pairs, 2026-12-03;
 * the first pair's bundled run, 5.92 s, fell on a slow moment of the machine).
 *
 * Arguments: BASELINES_DIR BUCKET OBJECT GENERATION (STORAGE_EMULATOR_HOST names the server).
 * Prints one JSON line on stderr: { seconds, maxRssMb, lines }.
 */
import { readFileSync } from 'node:fs';
import { loadBaselines } from '../../src/core/baseline/store.js';
import { storageClients } from '../../src/core/gcs/storage-clients.js';
import { auditObject } from '../../src/function/read-object.js';

/** Peak RSS of this process in MiB: VmHWM of its own address space (maxRSS where /proc is absent). */
function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  const [baselinesDir, bucket, name, generation] = process.argv.slice(2);
  if (!baselinesDir || !bucket || !name || !generation) throw new Error('usage: node function-path.js BASELINES_DIR BUCKET OBJECT GENERATION');
  const baselines = await loadBaselines(baselinesDir);
  const storage = storageClients({ projectId: 'bench', retrySeconds: 60 }).downloads;
  const started = process.hrtime.bigint();
  const audit = await auditObject(storage, { bucket, name, generation }, baselines, {
    deadlineMs: Date.now() + 540_000,
    now: Date.now,
    maxLineBytes: 4 * 1024 * 1024,
    burstThreshold: 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write(`${JSON.stringify({ seconds, maxRssMb: peakRssMb(), lines: audit.stats.lines })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`function path failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
