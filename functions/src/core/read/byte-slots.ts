/**
 * Bytes passed from a worker thread to the thread that scans them, through two shared slots of
 * `slotBytes` in one SharedArrayBuffer, used in turn: while the reader scans one, the writer fills
 * the other. The writer (SlotWriter) runs in the worker — the gunzip thread (gunzip-worker.ts), the
 * function's download thread (function/download-worker.ts); the reader (ThreadBytes) on the scanning
 * thread. Node's built-ins only, so a worker's bundle takes nothing else through here.
 */
import { parentPort, Worker } from 'node:worker_threads';

/** control[slot] while the slot waits for bytes. */
export const EMPTY = -1;
/** control[slot] when the worker failed: its message says why. */
export const FAILED = -2;
/** control[slot] ≥ 0: the slot holds that many bytes; 0 means the end of the stream. */

/** Int32 indexes of the control array: the two slots' states. */
export const SLOT_STATES = 2;

/** What a worker writing into slots is given (its workerData, with its own fields beside these). */
export interface SlotTask {
  slotBytes: number;
  /** 2 × slotBytes. */
  data: SharedArrayBuffer;
  /** Int32Array(SLOT_STATES): each slot's state. */
  control: SharedArrayBuffer;
  /** BigInt64Array(1): bytes the worker read from its source so far (progress). */
  read: SharedArrayBuffer;
}

/** Why a worker failed; `code` is its error's (zlib's Z_…, an HTTP status, a Node error code). */
export interface ThreadFailure {
  error: string;
  code?: string | number;
}

export function slotTask(slotBytes: number): SlotTask {
  const task: SlotTask = {
    slotBytes,
    data: new SharedArrayBuffer(2 * slotBytes),
    control: new SharedArrayBuffer(SLOT_STATES * Int32Array.BYTES_PER_ELEMENT),
    read: new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT),
  };
  new Int32Array(task.control).fill(EMPTY);
  return task;
}

/**
 * The worker's side. While both slots are full it waits asynchronously, so its event loop goes on
 * reading (and inflating, on libuv's pool) into its stream's buffer. Blocked in Atomics.wait
 * instead, the gunzip thread left zlib idle until a slot freed, and the main thread then waited
 * ~1-5 ms for the next bytes, ~100 times over the bench's 1 GiB gzip shard.
 */
export class SlotWriter {
  private readonly control: Int32Array;
  private readonly readCount: BigInt64Array;
  private readonly data: Uint8Array;
  private slot = 0;
  private used = 0;

  constructor(private readonly task: SlotTask) {
    this.control = new Int32Array(task.control);
    this.readCount = new BigInt64Array(task.read);
    this.data = new Uint8Array(task.data);
  }

  /** Counts bytes read from the source (the reader's progress). */
  counted(n: number): void {
    Atomics.add(this.readCount, 0, BigInt(n));
  }

  /** Resolves once the reader has emptied the current slot; the event loop runs meanwhile. */
  async awaitEmpty(): Promise<void> {
    const { control } = this;
    for (let state = Atomics.load(control, this.slot); state !== EMPTY; state = Atomics.load(control, this.slot)) {
      const wait = Atomics.waitAsync(control, this.slot, state);
      if (wait.async) await wait.value;
    }
  }

  /** Copies `chunk` into the slots, handing each one over as it fills. */
  async write(chunk: Uint8Array): Promise<void> {
    const { slotBytes } = this.task;
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, slotBytes - this.used);
      this.data.set(chunk.subarray(at, at + n), this.slot * slotBytes + this.used);
      this.used += n;
      at += n;
      if (this.used === slotBytes) await this.publish(this.used);
    }
  }

  /** Hands over what is written, then the end of the stream. */
  async end(): Promise<void> {
    if (this.used > 0) await this.publish(this.used);
    await this.publish(0);
  }

  /** Hands over what was written before the failure (scanned, as on one thread), then says why. */
  async fail(error: unknown): Promise<void> {
    if (this.used > 0) await this.publish(this.used);
    const code = (error as { code?: unknown } | null)?.code;
    const failure: ThreadFailure = { error: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}) };
    parentPort?.postMessage(failure);
    Atomics.store(this.control, this.slot, FAILED);
    Atomics.notify(this.control, this.slot);
  }

  private async publish(length: number): Promise<void> {
    Atomics.store(this.control, this.slot, length);
    Atomics.notify(this.control, this.slot);
    this.slot ^= 1;
    this.used = 0;
    if (length > 0) await this.awaitEmpty();
  }
}

/**
 * Runs a worker's job, then ends (a pending Atomics.waitAsync does not keep a thread alive: a timer
 * does, until the end or the failure is written).
 */
export function runWriter(writer: SlotWriter, job: () => Promise<void>): void {
  const alive = setInterval(() => undefined, 2 ** 30);
  job()
    .catch((error: unknown) => writer.fail(error))
    .finally(() => clearInterval(alive));
}

/**
 * The reading side: one worker thread, started when this is made, and its bytes, read once through
 * chunks(). close() stops a thread whose bytes were not read to the end.
 */
export class ThreadBytes {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private failure: ThreadFailure | undefined;
  /** chunks() was called: a second read would find the slots consumed. */
  private taken = false;
  /** The thread has exited. */
  private gone = false;

  /** `label` names the thread in its errors; `workerData` is the task (slotTask's fields and the worker's own). */
  constructor(
    readonly label: string,
    script: string | URL,
    private readonly task: SlotTask,
  ) {
    const control = new Int32Array(task.control);
    // Not the parent's flags (--input-type, --eval…), which a worker file refuses; a small heap.
    this.worker = new Worker(script, { workerData: task, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    this.worker.on('message', (message: ThreadFailure) => (this.failure ??= message));
    this.worker.on('error', (error) => (this.failure ??= { error: error.message }));
    this.exited = new Promise<void>((resolve) =>
      this.worker.on('exit', (code) => {
        this.failure ??= { error: `${label}: its thread exited (code ${code})` };
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

  /** The bytes, in slots reused once the next chunk is asked for; `onBytes` sees the source's bytes read. */
  async *chunks(onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
    if (this.taken) throw new Error(`${this.label}: its thread was read already`);
    this.taken = true;
    const { task } = this;
    const { slotBytes } = task;
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
          throw Object.assign(new Error(this.failure?.error), this.failure?.code !== undefined ? { code: this.failure.code } : {});
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
