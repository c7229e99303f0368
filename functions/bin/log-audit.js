#!/usr/bin/env node
// Built by `npm install` (the `prepare` script bundles functions/src/cli into functions/dist).
// V8's on-disk compile cache (Node 22.1+): later runs skip compiling the CLI and its packages,
// a third of a short run's start-up. The cache lives in the OS temp folder; a failure is harmless.
import module from 'node:module';

module.enableCompileCache?.();
const { runCli } = await import('../dist/cli.js');
runCli();
