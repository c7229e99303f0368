/**
 * Caps V8's young generation for the CLI's process, as `--max-semi-space-size=8` would: the deployed
 * functions start with that flag (FUNCTION_NODE_OPTIONS), but a command line cannot pass flags to
 * the `node` that runs it, and V8 takes the size only at start.
 *
 * What V8 does read at run time is how much to grow the young generation by
 * (`--semi-space-growth-factor`, used when it doubles its semi-spaces after scavenges that kept much
 * alive). So after each collection, a PerformanceObserver sets that factor to 1 once the young
 * generation has reached the cap (it stops growing) and back to 2, V8's default, while it is below
 * (it grows again, by doubling, up to the cap). A scan whose lines each leave a little behind (new
 * groups, kept samples) otherwise grew it to 128 MiB: most of a Cloud Storage shard's peak RSS.
 *
 * Someone who sets a semi-space flag keeps their own setting: `--max-semi-space-size` in NODE_OPTIONS
 * or on the node command line; the other two only on the command line (Node refuses them in
 * NODE_OPTIONS).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { nodeFlagGiven, nodeFlagPattern } from '../core/node-flags.js';

/** The young generation's cap, both semi-spaces: what `--max-semi-space-size=8` gives. */
export const YOUNG_GENERATION_CAP_BYTES = 16 * 1024 * 1024;

/** V8's flags that size the young generation. */
const OWN_FLAGS = nodeFlagPattern(['max-semi-space-size', 'min-semi-space-size', 'semi-space-growth-factor']);

/** Whether the process was started with a young-generation flag of its own. */
export function youngGenerationSetByUser(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return nodeFlagGiven(OWN_FLAGS, execArgv, nodeOptions);
}

function youngGenerationBytes(): number {
  for (const space of v8.getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_size;
  return 0;
}

/**
 * Keeps the young generation at or below `capBytes` from now on (see above). Only memory depends on
 * it: should a later Node refuse the flag at run time, the cap is dropped and V8 sizes the young
 * generation itself, and the command goes on (`setFlags` is V8's, or a test's).
 */
export function capYoungGeneration(capBytes = YOUNG_GENERATION_CAP_BYTES, setFlags: (flags: string) => void = v8.setFlagsFromString): void {
  if (youngGenerationSetByUser(process.execArgv, process.env.NODE_OPTIONS)) return;
  let factor = 2;
  let dropped = false;
  const observer = new PerformanceObserver(() => steer());
  const steer = (): void => {
    const next = youngGenerationBytes() >= capBytes ? 1 : 2;
    if (dropped || next === factor) return;
    try {
      setFlags(`--semi-space-growth-factor=${next}`);
      factor = next;
    } catch {
      dropped = true;
      observer.disconnect();
    }
  };
  steer();
  if (!dropped) observer.observe({ entryTypes: ['gc'] });
}
