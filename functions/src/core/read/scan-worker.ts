/** Worker-thread entry: scans the blocks the main thread sends (see parallel-scan.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { CompleteEntryIds } from '../detect/access-group.js';
import { ClosedTargets, type ClosedTargetsUpdate } from '../detect/closed-targets.js';
import { scanBlock, type BlockTask, type ScanKnowledge } from './scan-block.js';

/** Where this worker counts the blocks it has finished (see ScanWorkers.pending). */
const { finished, index } = workerData as { finished: Int32Array; index: number };

/** What this worker knows of the scan it is on (a message of another scan starts afresh). */
let scan = -1;
let known: Required<ScanKnowledge> = { completeEntryIds: new CompleteEntryIds(), closed: new ClosedTargets() };

function onScan(next: number): void {
  if (next === scan) return;
  scan = next;
  known = { completeEntryIds: new CompleteEntryIds(), closed: new ClosedTargets() };
}

/** A block to scan, or targets the main thread closed (sent before the blocks that should know). */
type Message = (BlockTask & { id: number }) | { scan: number; closed: ClosedTargetsUpdate };

parentPort?.on('message', (message: Message) => {
  onScan(message.scan);
  if ('closed' in message) {
    known.closed.apply(message.closed);
    return;
  }
  let reply: { id: number; result?: ReturnType<typeof scanBlock>; error?: string };
  // The block's memory goes back with the result, for the main thread to read into again: scanBlock
  // copies whatever it keeps.
  const memory = message.buf.buffer instanceof ArrayBuffer ? message.buf.buffer : undefined;
  try {
    reply = { id: message.id, result: { ...scanBlock(message, known), ...(memory ? { memory } : {}) } };
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  }
  Atomics.add(finished, index, 1);
  parentPort!.postMessage(reply, reply.result && memory ? [memory] : []);
});
