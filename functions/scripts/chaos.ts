/**
 * `npm run chaos` — the long fault-injection run: many batches through the real function with
 * random faults at every boundary; prints what it injected and what it verified.
 *   npm run chaos -- [--batches 300] [--seed 1] [--fault-rate 0.5] [--concurrency 3]
 */
import { parseArgs } from 'node:util';
import { runChaos } from '../../test/support/chaos.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '300' }, seed: { type: 'string', default: '1' }, 'fault-rate': { type: 'string', default: '0.5' }, concurrency: { type: 'string', default: '3' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write('Usage: npm run chaos -- [--batches 300] [--seed 1] [--fault-rate 0.5] [--concurrency 3]\n\nDeliveries run --concurrency at a time (duplicates of one event among them); every invariant of docs/reliability.md is checked at the end.\n');
  process.exit(0);
}
const started = Date.now();
const report = await runChaos({ seed: Number(values.seed), batches: Number(values.batches), faultRate: Number(values['fault-rate']), concurrency: Number(values.concurrency), log: (l) => process.stdout.write(`${l}\n`) });
process.stdout.write(`${report.violations.length === 0 ? 'all invariants held' : `${report.violations.length} VIOLATIONS`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exitCode = report.violations.length === 0 ? 0 : 1;
