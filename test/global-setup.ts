// The CLI tests run the real bundled binary: rebuild it first so they never test a stale bundle.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../functions/scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
}
