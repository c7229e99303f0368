/**
 * Run as a child process by young-generation.test.ts: allocates objects of which a fifth survive a
 * while (as a scan's new groups and samples do) and prints the young generation's usual size, in
 * bytes: the median of its size after each of 60 slices of work (a collection can swell it for a
 * moment, whatever its cap). With an argument, caps the young generation at that many bytes first
 * (capYoungGeneration).
 */
import v8 from 'node:v8';
import { capYoungGeneration } from '../../functions/src/cli/young-generation.js';

const cap = process.argv[2];
if (cap !== undefined) capYoungGeneration(Number(cap));

const newSpace = (): number => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
const kept: object[] = [];
const sizes: number[] = [];
// In slices, so the observer that steers the growth runs between them, as it does between a scan's reads.
for (let slice = 0; slice < 60; slice++) {
  for (let i = 0; i < 50_000; i++) {
    const value = { n: i, text: `value ${i}`, list: [i] };
    if (i % 5 === 0) kept.push(value);
    if (kept.length > 100_000) kept.length = 0;
  }
  sizes.push(newSpace());
  await new Promise((resolve) => setImmediate(resolve));
}
sizes.sort((a, b) => a - b);
process.stdout.write(`${sizes[sizes.length >> 1]}\n`);
