#!/usr/bin/env node
// Built by `npm install` (the `prepare` script bundles functions/src/cli into functions/dist).
import { runCli } from '../dist/cli.js';

runCli();
