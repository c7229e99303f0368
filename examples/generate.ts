/**
 * Writes the bundled examples: `examples/history/` (several days of exports of all three kinds),
 * `examples/today/` (the day to audit, with planted anomalies and benign churn) and
 * `examples/expected-findings.json` (what the audit must report). Deterministic: running it again
 * produces the same bytes. Usage: `npm run examples`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildScenario, DEFAULT_OPTIONS } from './scenario.js';

const here = dirname(fileURLToPath(import.meta.url));

export async function writeScenario(root: string, options = DEFAULT_OPTIONS): Promise<{ files: number; bytes: number }> {
  const { files, planted } = buildScenario(options);
  await rm(join(root, 'history'), { recursive: true, force: true });
  await rm(join(root, 'today'), { recursive: true, force: true });
  let bytes = 0;
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    bytes += file.content.length;
  }
  await writeFile(join(root, 'expected-findings.json'), `${JSON.stringify(planted, null, 2)}\n`);
  return { files: files.length, bytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, bytes } = await writeScenario(here);
  process.stdout.write(`wrote ${files} export files (${(bytes / 1024 / 1024).toFixed(1)} MiB) and expected-findings.json under ${here}\n`);
}
