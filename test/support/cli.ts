/** Runs the real `log-audit` binary (as `npx log-audit` would) and captures its output. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../functions/src/cli/main.js';
import { repoRoot } from './fixtures.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [join(repoRoot, 'functions/bin/log-audit.js'), ...args], { cwd: options.cwd ?? repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The binary without blocking the event loop (needed when the test also runs a server). */
export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'functions/bin/log-audit.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** The same commands in-process (faster; for the many-run scenario tests). */
export async function runMain(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { out: (t) => (stdout += t), err: (l) => (stderr += `${l}\n`), progress: false });
  return { status, stdout, stderr };
}
