/**
 * A gzip file's bytes, gunzipped on a worker thread (gunzip-worker.ts) into two shared slots used in
 * turn: while the consumer scans one, the worker fills the other. The consumer must be done with a
 * chunk before it asks for the next (as with readAhead in input-files.ts).
 */
import { Worker } from 'node:worker_threads';
import { EMPTY, FAILED, SLOT_STATES, type GunzipFailure, type GunzipTask } from './gunzip-slots.js';

/**
 * One file's gunzip thread, started when this is made: a caller that knows its first file early
 * (the CLI, before its baselines load) lets the thread boot — ~40 ms, the main thread's longest wait
 * for bytes on the bench's 1 GiB gzip shard — meanwhile. Its bytes are read once, through chunks();
 * close() stops a thread whose bytes were not read to the end.
 */
export class GunzipAhead {
  private readonly task: GunzipTask;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private failure: GunzipFailure | undefined;
  /** chunks() was called: a second read would find the slots consumed. */
  private taken = false;
  /** The thread has exited. */
  private gone = false;

  constructor(
    readonly path: string,
    script: string | URL,
    private readonly slotBytes: number,
  ) {
    this.task = {
      path,
      slotBytes,
      data: new SharedArrayBuffer(2 * slotBytes),
      control: new SharedArrayBuffer(SLOT_STATES * Int32Array.BYTES_PER_ELEMENT),
      read: new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT),
    };
    const control = new Int32Array(this.task.control);
    control.fill(EMPTY);
    // Not the parent's flags (--input-type, --eval…), which a worker file refuses; a small heap.
    this.worker = new Worker(script, { workerData: this.task, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.on('message', (message: GunzipFailure) => (this.failure ??= message));
    this.worker.on('error', (error) => (this.failure ??= { error: error.message }));
    this.exited = new Promise<void>((resolve) =>
      this.worker.on('exit', (code) => {
        this.failure ??= { error: `gunzip worker exited (code ${code})` };
        this.gone = true;
        // A worker gone before it wrote its end: wake the reader, whichever slot it waits on.
        for (let slot = 0; slot < SLOT_STATES; slot++) if (Atomics.compareExchange(control, slot, EMPTY, FAILED) === EMPTY) Atomics.notify(control, slot);
        resolve();
      }),
    );
  }

  /** Whether chunks() may still be called. */
  get unread(): boolean {
    return !this.taken;
  }

  /** The gunzipped bytes, in slots reused once the next chunk is asked for; `onBytes` sees the compressed bytes read. */
  async *chunks(onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
    if (this.taken) throw new Error(`${this.path}: its gunzip thread was read already`);
    this.taken = true;
    const { task, slotBytes } = this;
    const control = new Int32Array(task.control);
    const read = new BigInt64Array(task.read);
    let slot = 0;
    let counted = 0n;
    let ended = false;
    try {
      for (;;) {
        let state = Atomics.load(control, slot);
        while (state === EMPTY) {
          // A thread gone without writing its end (a crash, or an exit with both slots full, which
          // the exit handler cannot mark) never fills this slot: stop on its exit, not wait forever.
          if (this.gone) {
            state = FAILED;
            break;
          }
          const wait = Atomics.waitAsync(control, slot, EMPTY);
          if (wait.async) await Promise.race([wait.value, this.exited]);
          state = Atomics.load(control, slot);
        }
        if (state === FAILED) {
          // Its message or exit (which says why) comes through the event loop: wait for it.
          await this.exited;
          throw Object.assign(new Error(this.failure?.error), this.failure?.code ? { code: this.failure.code } : {});
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
      if (!ended) await this.worker.terminate();
      else await this.exited;
    }
  }

  /** Stops the thread (at once unless it is done); safe to call whether or not chunks() ran. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A gzip file's bytes through a gunzip thread started when they are first asked for. */
export async function* gunzipAhead(path: string, script: string | URL, slotBytes: number, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  yield* new GunzipAhead(path, script, slotBytes).chunks(onBytes);
}
