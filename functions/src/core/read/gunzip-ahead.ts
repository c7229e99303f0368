/**
 * A gzip file's bytes, gunzipped on a worker thread (gunzip-worker.ts) into two shared slots used in
 * turn: while the consumer scans one, the worker fills the other. The consumer must be done with a
 * chunk before it asks for the next (as with readAhead in input-files.ts).
 */
import { Worker } from 'node:worker_threads';
import { EMPTY, FAILED, SLOT_STATES, type GunzipFailure, type GunzipTask } from './gunzip-slots.js';

export async function* gunzipAhead(path: string, script: string | URL, slotBytes: number, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  const task: GunzipTask = {
    path,
    slotBytes,
    data: new SharedArrayBuffer(2 * slotBytes),
    control: new SharedArrayBuffer(SLOT_STATES * Int32Array.BYTES_PER_ELEMENT),
    read: new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT),
  };
  const control = new Int32Array(task.control);
  control.fill(EMPTY);
  const read = new BigInt64Array(task.read);
  // Not the parent's flags (--input-type, --eval…), which a worker file refuses; a small heap.
  const worker = new Worker(script, { workerData: task, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  let failure: GunzipFailure | undefined;
  worker.on('message', (message: GunzipFailure) => (failure ??= message));
  worker.on('error', (error) => (failure ??= { error: error.message }));
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', (code) => {
      failure ??= { error: `gunzip worker exited (code ${code})` };
      // A worker gone before it wrote its end: wake the reader, whichever slot it waits on.
      for (let slot = 0; slot < SLOT_STATES; slot++) if (Atomics.compareExchange(control, slot, EMPTY, FAILED) === EMPTY) Atomics.notify(control, slot);
      resolve();
    }),
  );
  let slot = 0;
  let counted = 0n;
  let ended = false;
  try {
    for (;;) {
      let state = Atomics.load(control, slot);
      while (state === EMPTY) {
        const wait = Atomics.waitAsync(control, slot, EMPTY);
        if (wait.async) await wait.value;
        state = Atomics.load(control, slot);
      }
      if (state === FAILED) {
        // Its message or exit (which says why) comes through the event loop: wait for it.
        await exited;
        throw Object.assign(new Error(failure?.error), failure?.code ? { code: failure.code } : {});
      }
      const total = Atomics.load(read, 0);
      if (total > counted) onBytes?.(Number(total - counted));
      counted = total;
      if (state === 0) {
        ended = true;
        return;
      }
      yield Buffer.from(task.data, slot * slotBytes, state);
      Atomics.store(control, slot, EMPTY);
      Atomics.notify(control, slot);
      slot ^= 1;
    }
  } finally {
    if (!ended) await worker.terminate();
    else await exited;
  }
}
