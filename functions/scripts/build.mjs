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
  entryPoints: {
    cli: 'functions/src/cli/main.ts',
    'scan-worker': 'functions/src/core/read/scan-worker.ts',
    'gunzip-worker': 'functions/src/core/read/gunzip-worker.ts',
    // The function's download thread, for tests that run the function from its sources (the
    // deployed one is bundled beside index.js by bundle-function.mjs).
    'download-worker': 'functions/src/function/download-worker.ts',
  },
  outdir: 'functions/dist',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Modules imported with import() become chunks loaded on first use, with the packages they
  // import: the storage library (only \`accept --report gs://…\` needs it) stays out of every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Small pure-JS packages are bundled in: resolving and loading zod's hundred ES modules one by one
  // cost more start-up than compiling them as part of one file. Packages loaded only on some paths
  // (the storage client, the SQL parsers, whose WebAssembly is found beside their own code) stay
  // external, as does the Pulumi SDK.
  external: ['@google-cloud/*', '@pulumi/*', '@slack/*', 'libpg-query', 'node-sql-parser', 'node-sql-parser/*'],
  // Bundled CommonJS packages (yaml) require Node's built-ins: give the ES module a require.
  banner: { js: "import { createRequire as __logAuditRequire } from 'node:module'; const require = __logAuditRequire(import.meta.url);" },
  sourcemap: true,
  // Whitespace and comments out, names kept (a stack trace still names its functions; the source
  // maps place them): Node reads, decodes and checks every byte of a module against its compile
  // cache on each start, and a comment's one non-ASCII character made the whole source a two-byte
  // string. 900 -> 640 KB loaded at start; import 77 -> 65 ms (medians of 21 alternating runs).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
