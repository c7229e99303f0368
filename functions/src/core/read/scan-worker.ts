/** Worker-thread entry: scans the byte ranges the main thread sends, one at a time (see parallel-scan.ts). */
import { parentPort } from 'node:worker_threads';
import { CompleteEntryIds } from '../detect/access-group.js';
import { ClosedTargets, type ClosedTargetsUpdate } from '../detect/closed-targets.js';
import { scanRange, type RangeResult, type RangeTask, type ScanKnowledge } from './scan-range.js';

/** What this worker knows of the scan it is on (a message of another scan starts afresh). */
let scan = -1;
let stopped = false;
const knowledge = (): Required<ScanKnowledge> => ({ completeEntryIds: new CompleteEntryIds(), closed: new ClosedTargets(), stopped: () => stopped });
let known = knowledge();

function onScan(next: number): void {
  if (next === scan) return;
  scan = next;
  stopped = false;
  known = knowledge();
}

/**
 * A range to scan; targets the main thread closed (applied at once, even during a range: see
 * ClosedTargets); group keys whose batch group needs no more entry ids (CompleteEntryIds, for the
 * ranges after `start`); or word that the main thread reads the rest of the scan itself (ranges stop).
 */
type Message =
  | (RangeTask & { id: number })
  | { scan: number; closed: ClosedTargetsUpdate }
  | { scan: number; complete: { keys: string[]; start: number } }
  | { scan: number; stop: true };

/** Ranges are scanned in the order they came, one after the other. */
let queue = Promise.resolve();

parentPort?.on('message', (message: Message) => {
  onScan(message.scan);
  if ('closed' in message) {
    known.closed.apply(message.closed);
    return;
  }
  if ('complete' in message) {
    known.completeEntryIds.noteKeys(message.complete.keys, message.complete.start);
    return;
  }
  if ('stop' in message) {
    stopped = true;
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
