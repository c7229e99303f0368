/** The short chaos run inside npm test (the long one is `npm run chaos`). */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../support/chaos.js';

describe('fault injection across the function', () => {
  it("keeps every invariant through random faults, duplicates, concurrent and out-of-order deliveries", async () => {
    const lines: string[] = [];
    const report = await runChaos({ seed: 7, batches: 40, faultRate: 0.5, log: (l) => lines.push(l) });
    expect(report.violations, lines.join('\n')).toEqual([]);
    expect(report.retries).toBeGreaterThan(0);
    expect(Object.keys(report.injected).length).toBeGreaterThanOrEqual(6);
    expect(report.verified).toHaveLength(5);
  }, 120_000);
});
