// Writes baselines/baseline.schema.json from the zod schema (`npm run schema`); a test checks it is current.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { baselineJsonSchema } from '../src/core/baseline/schema.js';

const target = fileURLToPath(new URL('../../baselines/baseline.schema.json', import.meta.url));
await writeFile(target, `${JSON.stringify(baselineJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
