/** Worker-thread entry: scans the byte ranges the main thread sends, one at a time (see parallel-scan.ts). */
import { parentPort } from 'node:worker_threads';
import { CompleteEntryIds } from '../detect/access-group.js';
import { ClosedTargets, type ClosedTargetsUpdate } from '../detect/closed-targets.js';
import { scanRange, type RangeResult, type RangeTask, type ScanKnowledge } from './scan-range.js';

/** What this worker knows of the scan it is on (a message of another scan starts afresh). */
let scan = -1;
let known: Required<ScanKnowledge> = { completeEntryIds: new CompleteEntryIds(), closed: new ClosedTargets() };

function onScan(next: number): void {
  if (next === scan) return;
  scan = next;
  known = { completeEntryIds: new CompleteEntryIds(), closed: new ClosedTargets() };
}

/** A range to scan, or targets the main thread closed (applied at once, even during a range: see ClosedTargets). */
type Message = (RangeTask & { id: number }) | { scan: number; closed: ClosedTargetsUpdate };

/** Ranges are scanned in the order they came, one after the other. */
let queue = Promise.resolve();

parentPort?.on('message', (message: Message) => {
  onScan(message.scan);
  if ('closed' in message) {
    known.closed.apply(message.closed);
    return;
  }
  queue = queue.then(async () => {
    let reply: { id: number; result?: RangeResult; error?: string };
    try {
      reply = { id: message.id, result: await scanRange(message, known) };
    } catch (error) {
      reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
    }
    parentPort!.postMessage(reply);
  });
});
