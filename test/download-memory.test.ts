/**
 * Downloads' Buffers count in V8's heap limit (core/gcs/download-memory.ts): the gate by V8 line,
 * the flag as this Node's V8 knows it, and the effect in a child process, since the flag is
 * process-wide.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountExternalMemoryInHeapLimit, EXTERNAL_MEMORY_FLAG, V8_LINES_WITH_FLAG } from '../functions/src/core/gcs/download-memory.js';
import { repoRoot } from './support/fixtures.js';

const thisV8HasIt = V8_LINES_WITH_FLAG.includes(process.versions.v8.split('.').slice(0, 2).join('.'));

function fullCollections(args: string[]): number {
  const result = spawnSync(process.execPath, ['--max-semi-space-size=8', '--import', 'tsx', join(repoRoot, 'test/support/download-memory-probe.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const [full, bytes] = result.stdout.trim().split(' ').map(Number);
  expect(bytes).toBe(1024 ** 3);
  return full!;
}

describe('downloaded bytes in the heap limit', () => {
  it('sets the flag on the V8 lines that have it, and only there', () => {
    const set: string[] = [];
    expect(accountExternalMemoryInHeapLimit('13.6.233.17-node.53', (flags) => set.push(flags))).toBe(true);
    expect(set).toEqual([EXTERNAL_MEMORY_FLAG]);
    // Node 22's line, and a later one where V8 made it the only behaviour and removed the flag.
    expect(accountExternalMemoryInHeapLimit('12.4.254.21-node.33', (flags) => set.push(flags))).toBe(false);
    expect(accountExternalMemoryInHeapLimit('14.1.146.11-node.14', (flags) => set.push(flags))).toBe(false);
    expect(set).toHaveLength(1);
  });

  it.skipIf(!thisV8HasIt)(`this Node's V8 (${process.versions.v8}) has the flag, off by default`, () => {
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(options).toContain(`${EXTERNAL_MEMORY_FLAG} (`);
    expect(options).toContain(`default: --no-${EXTERNAL_MEMORY_FLAG.slice(2)}`);
  });

  it.skipIf(!thisV8HasIt)('makes a download-like stream of Buffers cost a few full collections, not one every ~100 MiB', () => {
    const without = fullCollections([]);
    const withClients = fullCollections(['clients']);
    expect(without).toBeGreaterThanOrEqual(6);
    expect(withClients).toBeLessThanOrEqual(3);
  });
});
