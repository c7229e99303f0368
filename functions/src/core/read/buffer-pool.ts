/**
 * Read buffers of one size for a parallel scan (parallel-scan.ts): each is given back once the
 * bytes in it are done with — a block scanned on this thread, or handed back by the scan worker
 * that scanned it — and read into again. A large file's reads then reuse a few buffers instead of
 * allocating one per chunk: a fresh buffer costs page faults on its first write, and the dead ones
 * pile up (50–80 MiB measured on a 1 GiB shard) until V8 next collects.
 */
/** Where a reader (input-files.ts readAhead) takes the buffers it reads into, and gets them back. */
export interface ReadBuffers {
  take(): Buffer;
  give(memory: ArrayBufferLike | undefined): void;
}

export class BufferPool implements ReadBuffers {
  private readonly free: ArrayBuffer[] = [];
  /** Buffers taken and not given back: only while there are any is memory accepted. */
  private lent = 0;

  constructor(
    readonly bytes: number,
    private readonly keep = 8,
  ) {}

  take(): Buffer {
    this.lent++;
    const free = this.free.pop();
    return free ? Buffer.from(free) : Buffer.allocUnsafeSlow(this.bytes);
  }

  /**
   * Gives back memory that no view is used of any more. Ignored unless it is the pool's size and
   * buffers are out (a file read another way, such as gunzipped, lends none), or when the pool is full.
   */
  give(memory: ArrayBufferLike | undefined): void {
    if (!(memory instanceof ArrayBuffer) || memory.byteLength !== this.bytes || this.lent === 0) return;
    this.lent--;
    if (this.free.length < this.keep) this.free.push(memory);
  }
}

/**
 * Two buffers taken in turn, for a consumer that is done with each chunk before it asks for the next
 * (scanStream): while it reads one, the next chunk is read into the other. Nothing is given back.
 */
export class BuffersInTurn implements ReadBuffers {
  private readonly buffers: [Buffer, Buffer];
  private next = 0;

  constructor(bytes: number) {
    this.buffers = [Buffer.allocUnsafeSlow(bytes), Buffer.allocUnsafeSlow(bytes)];
  }

  take(): Buffer {
    const buffer = this.buffers[this.next]!;
    this.next ^= 1;
    return buffer;
  }

  give(): void {}
}
