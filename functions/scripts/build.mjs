// Bundles the CLI into functions/dist/cli.js. Runs on `npm install` / `npm ci` (the `prepare`
// script), so a fresh clone has a working `npx log-audit` with no manual step. esbuild: one fast,
// well-kept bundler instead of a tsc emit configuration.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Chunks are named by content hash: start empty, so old ones do not pile up.
rmSync(join(root, 'functions/dist'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { cli: 'functions/src/cli/main.ts', 'scan-worker': 'functions/src/core/read/scan-worker.ts' },
  outdir: 'functions/dist',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Modules imported with import() become chunks loaded on first use, with the packages they
  // import: the storage library (only \`accept --report gs://…\` needs it) stays out of every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
