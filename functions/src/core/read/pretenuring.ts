/**
 * Turns off V8's allocation-site pretenuring (`--no-allocation-site-pretenuring`) once scan workers
 * start. V8 allocates an object straight into the old generation when objects from the same place
 * in the code have been surviving. A worker whose first range of a flood ends early at the group
 * cap (MAX_RANGE_GROUPS in parallel-scan.ts, checked after each chunk: the bench flood's range kept
 * 6,530 new sources until it was merged) taught V8 exactly that. Its later ranges of the same flood,
 * counted against the closed target and keeping nothing, still grew the worker's heap from ~40 to
 * ~90 MiB between full collections (short-lived objects allocated in the old generation, as turning
 * the flag off shows), and the process peaked at 260-290 MiB instead of 200-230: about one run in
 * three of the bench's 1 GiB flood, the runs where the worker started in time to take the second
 * range.
 *
 * Measured on that flood, traced per range (2026-12-04; a print not committed): with the flag set in
 * the worker, eight runs peaked at 207-223 MiB, six of them with that 6,500-group first range, the
 * worker's heap flat at 38-42 MiB; without it, 7 of 43 runs went over 256 MiB. Times, alternating
 * runs with and without, were within the machine's noise on every row that starts workers (flood,
 * production cluster, small pool, Cloud Storage), with the same reports (docs/throughput.md#memory).
 *
 * V8's flags belong to the process, so the main thread allocates without pretenuring too from then
 * on; the deployed function scans on one thread and never starts scan workers. Set at run time, the
 * flag took effect (the runs above set it so); should a later V8 refuse it, only memory depends on
 * it and the scan goes on. Someone who sets a pretenuring flag keeps their own.
 */
import v8 from 'node:v8';
import { nodeFlagGiven, nodeFlagPattern } from '../node-flags.js';

export const NO_PRETENURING_FLAG = '--no-allocation-site-pretenuring';

/** V8's pretenuring flag, on or off (`--no-` turns a flag off). */
const OWN_FLAGS = nodeFlagPattern(['allocation-site-pretenuring', 'no-allocation-site-pretenuring']);

/** Whether the process was started with a pretenuring flag of its own. */
export function pretenuringSetByUser(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return nodeFlagGiven(OWN_FLAGS, execArgv, nodeOptions);
}

/**
 * Turns pretenuring off for the rest of the process (see above). True once the flag is set; false
 * where the user set their own or V8 refused it (`setFlags` is V8's, or a test's).
 */
export function stopPretenuring(setFlags: (flags: string) => void = v8.setFlagsFromString): boolean {
  if (pretenuringSetByUser(process.execArgv, process.env.NODE_OPTIONS)) return false;
  try {
    setFlags(NO_PRETENURING_FLAG);
  } catch {
    return false;
  }
  return true;
}
