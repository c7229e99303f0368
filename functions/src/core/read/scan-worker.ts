/** Worker-thread entry: scans the blocks the main thread sends (see parallel-scan.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { scanBlock, type BlockTask } from './scan-block.js';

/** Where this worker counts the blocks it has finished (see ScanWorkers.pending). */
const { finished, index } = workerData as { finished: Int32Array; index: number };

parentPort?.on('message', (task: BlockTask & { id: number }) => {
  let reply: { id: number; result?: ReturnType<typeof scanBlock>; error?: string };
  try {
    reply = { id: task.id, result: scanBlock(task) };
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  Atomics.add(finished, index, 1);
  parentPort!.postMessage(reply);
});
