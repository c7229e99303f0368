/**
 * The CLI caps V8's young generation at run time (cli/young-generation.ts): checked in a child
 * process, since the cap is process-wide, against the same allocation without the cap.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capYoungGeneration, youngGenerationSetByUser } from '../functions/src/cli/young-generation.js';
import { repoRoot } from './support/fixtures.js';

const MiB = 1024 * 1024;

function usualYoungGeneration(args: string[], nodeOptions = ''): number {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/young-generation-probe.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return Number(result.stdout.trim());
}

describe('the young generation cap', () => {
  it('keeps the young generation at the cap where it would grow past it', () => {
    const uncapped = usualYoungGeneration([]);
    const capped = usualYoungGeneration([String(4 * MiB)]);
    expect(uncapped).toBeGreaterThan(8 * MiB);
    expect(capped).toBeLessThanOrEqual(4 * MiB);
    // It grows up to the cap, not stays at V8's smallest size.
    expect(capped).toBeGreaterThanOrEqual(2 * MiB);
  });

  it('leaves a young generation the user sized alone', () => {
    expect(usualYoungGeneration([String(4 * MiB)], '--max-semi-space-size=16')).toBeGreaterThan(8 * MiB);
  });

  it('drops the cap, and goes on, where the flag is refused', async () => {
    let calls = 0;
    const refuse = () => {
      calls++;
      throw new Error('flag refused');
    };
    // A cap of one byte: the first check already asks for the flag.
    expect(() => capYoungGeneration(1, refuse)).not.toThrow();
    expect(calls).toBe(1);
    // Collections after it ask no more: the observer is gone.
    const garbage: object[][] = [];
    for (let i = 0; i < 200; i++) garbage.push(Array.from({ length: 10_000 }, (_, n) => ({ n })));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(garbage.length).toBe(200);
    expect(calls).toBe(1);
  });

  it('recognizes the flags that size the young generation, wherever they are given', () => {
    expect(youngGenerationSetByUser([], undefined)).toBe(false);
    expect(youngGenerationSetByUser(['--enable-source-maps'], '--max-old-space-size=900')).toBe(false);
    expect(youngGenerationSetByUser(['--max-semi-space-size=4'], undefined)).toBe(true);
    expect(youngGenerationSetByUser([], '--max-old-space-size=900 --max-semi-space-size=8')).toBe(true);
    expect(youngGenerationSetByUser(['--semi-space-growth-factor=4'], undefined)).toBe(true);
    expect(youngGenerationSetByUser(['--min-semi-space-size=16'], '')).toBe(true);
    expect(youngGenerationSetByUser([], '--max_semi_space_size=16')).toBe(true);
    // Not a V8 flag (a worker's resourceLimits option): nothing to respect.
    expect(youngGenerationSetByUser(['--max-young-generation-size=16'], '')).toBe(false);
    // A longer name is another flag, not one of these.
    expect(youngGenerationSetByUser(['--semi-space-growth-factor-x=4'], '--max-semi-space-size-extra')).toBe(false);
    expect(youngGenerationSetByUser(['--min-semi-space-size', '16'], '')).toBe(true);
  });
});
