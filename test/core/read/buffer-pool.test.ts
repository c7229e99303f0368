/**
 * The read buffer pool reuses given-back memory, and accepts only its own size while buffers are out;
 * buffers in turn alternate between two.
 */
import { describe, expect, it } from 'vitest';
import { BufferPool, BuffersInTurn } from '../../../functions/src/core/read/buffer-pool.js';

describe('buffer pool', () => {
  it('read into given-back memory again', () => {
    const pool = new BufferPool(1024);
    const first = pool.take();
    expect(first.length).toBe(1024);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(1024); // a chunk that fills it can be transferred whole
    pool.give(first.buffer);
    expect(pool.take().buffer).toBe(first.buffer);
  });

  it('ignore memory of another size, detached memory, and memory given while none is out', () => {
    const pool = new BufferPool(1024);
    // Nothing lent: a gunzipped file's chunk of the same size is not the pool's.
    const stray = new ArrayBuffer(1024);
    pool.give(stray);
    expect(pool.take().buffer).not.toBe(stray);
    // Lent now; neither another size nor detached memory is taken back.
    const small = new ArrayBuffer(512);
    pool.give(small);
    const detached = new ArrayBuffer(1024);
    structuredClone(detached, { transfer: [detached] }); // detached: byteLength 0
    pool.give(detached);
    const next = pool.take().buffer;
    expect(next).not.toBe(small);
    expect(next).not.toBe(detached);
    expect(next.byteLength).toBe(1024);
  });

  it('keep at most `keep` free buffers', () => {
    const pool = new BufferPool(64, 2);
    const taken = [pool.take(), pool.take(), pool.take()];
    for (const buf of taken) pool.give(buf.buffer);
    const again = [pool.take(), pool.take(), pool.take()].map((b) => b.buffer);
    expect(again.filter((b) => taken.some((t) => t.buffer === b))).toHaveLength(2);
  });

  it('in turn: two buffers, each taken again every second time', () => {
    const turn = new BuffersInTurn(16);
    const [a, b, c] = [turn.take(), turn.take(), turn.take()];
    expect(a).not.toBe(b);
    expect(c).toBe(a);
    expect(a.length).toBe(16);
  });
});
