/** Worker-thread entry: scans the blocks the main thread sends (see parallel-scan.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { CompleteEntryIds } from '../detect/access-group.js';
import { scanBlock, type BlockTask } from './scan-block.js';

/** Where this worker counts the blocks it has finished (see ScanWorkers.pending). */
const { finished, index } = workerData as { finished: Int32Array; index: number };

/** What this worker learned from its earlier blocks of the scan it is on (a block of another scan starts afresh). */
let scan = -1;
let completeEntryIds = new CompleteEntryIds();

parentPort?.on('message', (task: BlockTask & { id: number }) => {
  let reply: { id: number; result?: ReturnType<typeof scanBlock>; error?: string };
  if (task.scan !== scan) {
    scan = task.scan;
    completeEntryIds = new CompleteEntryIds();
  }
  try {
    reply = { id: task.id, result: scanBlock(task, completeEntryIds) };
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  Atomics.add(finished, index, 1);
  parentPort!.postMessage(reply);
});
