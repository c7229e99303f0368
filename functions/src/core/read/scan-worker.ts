/** Worker-thread entry: scans the blocks the main thread sends (see parallel-scan.ts). */
import { parentPort } from 'node:worker_threads';
import { scanBlock, type BlockTask } from './scan-block.js';

parentPort?.on('message', (task: BlockTask & { id: number }) => {
  try {
    parentPort!.postMessage({ id: task.id, result: scanBlock(task) });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
