/**
 * The glibc malloc settings the functions deploy with (FUNCTION_GLIBC_TUNABLES in
 * functions/scripts/bundle-function.mjs): well formed, sized for the chunks the read path frees, and
 * their effect on gunzip's 1 MiB chunks checked in child processes (malloc's settings are the
 * process's own, read when it starts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ENVIRONMENT, FUNCTION_GLIBC_TUNABLES } from '../../functions/scripts/bundle-function.mjs';
import { GUNZIP_CHUNK_BYTES } from '../../functions/src/core/read/gunzip-slots.js';
import { COLLECT_EVERY_BYTES } from '../../functions/src/core/read/young-collections.js';
import { repoRoot } from '../support/fixtures.js';

const MiB = 1024 * 1024;

function tunables(value: string): Map<string, number> {
  return new Map(
    value.split(':').map((entry) => {
      const match = /^(glibc\.malloc\.[a-z_]+)=(\d+)$/.exec(entry);
      if (!match) throw new Error(`not a malloc tunable: ${entry}`);
      return [match[1]!, Number(match[2])];
    }),
  );
}

/** Minor page faults taken while 256 MiB of 1 MiB chunks (gunzip's size) are read through decodeStream. */
function faultsReading1MiBChunks(glibcTunables: string): number {
  const result = spawnSync(process.execPath, ['--max-semi-space-size=8', '--import', 'tsx', join(repoRoot, 'test/support/young-collections-probe.ts'), 'decoded', '1024', '256'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', GLIBC_TUNABLES: glibcTunables },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const [, , bytes, faults] = result.stdout.trim().split(' ').map(Number);
  expect(bytes).toBe(256 * MiB);
  return faults!;
}

const glibc = Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

describe("the functions' malloc settings", () => {
  it('are two malloc tunables, deployed beside NODE_OPTIONS', () => {
    expect([...tunables(FUNCTION_GLIBC_TUNABLES).keys()]).toEqual(['glibc.malloc.trim_threshold', 'glibc.malloc.mmap_threshold']);
    expect(FUNCTION_ENVIRONMENT).toEqual({ NODE_OPTIONS: '--max-semi-space-size=8', GLIBC_TUNABLES: FUNCTION_GLIBC_TUNABLES });
  });

  it("keep what one young collection frees, and take gunzip's chunks from the heap", () => {
    const values = tunables(FUNCTION_GLIBC_TUNABLES);
    // A collection every COLLECT_EVERY_BYTES frees about that much of chunks at once: kept, not trimmed.
    expect(values.get('glibc.malloc.trim_threshold')).toBeGreaterThanOrEqual(2 * COLLECT_EVERY_BYTES);
    // Chunks below the mmap threshold come from the heap; glibc takes no threshold above 32 MiB (64-bit).
    expect(values.get('glibc.malloc.mmap_threshold')).toBeGreaterThan(GUNZIP_CHUNK_BYTES);
    expect(values.get('glibc.malloc.mmap_threshold')).toBeLessThanOrEqual(32 * MiB);
  });

  it.skipIf(!glibc)("read gunzip's 1 MiB chunks with no more page faults than glibc's defaults (the trim threshold alone: several times more)", () => {
    const deployed = faultsReading1MiBChunks(FUNCTION_GLIBC_TUNABLES);
    const defaults = faultsReading1MiBChunks('');
    // Setting the trim threshold turns glibc's dynamic mmap threshold off: every 1 MiB chunk is then
    // a new mapping, faulted in page by page. That is why the mmap threshold is set too.
    const trimOnly = faultsReading1MiBChunks(FUNCTION_GLIBC_TUNABLES.split(':').filter((entry) => entry.includes('trim_threshold')).join(':'));
    expect(deployed).toBeLessThanOrEqual(defaults);
    expect(trimOnly).toBeGreaterThan(3 * deployed);
  });
});
