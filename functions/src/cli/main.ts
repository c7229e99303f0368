/**
 * `log-audit` — the command line. Every user error ends in one line on stderr and a non-zero exit
 * status; a stack trace means a bug in log-audit (and is printed as one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaselineError } from '../core/baseline/store.js';
import { MissingPathError } from '../core/read/input-files.js';
import { ReportError } from '../core/report/audit-report.js';
import { closest } from '../core/text/did-you-mean.js';
import { terminalGuard } from '../core/text/visible.js';
import { UsageError } from './args.js';
import { acceptCommand } from './commands/accept.js';
import { auditCommand, EXIT_NOTHING_READ } from './commands/audit.js';
import type { CommandIo } from './commands/io.js';
import { learnCommand } from './commands/learn.js';
import { reviewCommand } from './commands/review.js';
import { validateCommand } from './commands/validate.js';
import { capYoungGeneration } from './young-generation.js';

export const MAIN_HELP = `Usage: log-audit <command> [options]

Tells you when data in Cloud Storage, Cloud SQL or Memorystore is touched from a source or with a
credential never seen before, from exported Cloud Logging files.

Commands:
  learn [--out DIR] PATH|gs://...  learn baselines (what is normal per target) from history
  audit [--baselines DIR] PATH...  compare exported logs with the baselines, report anomalies
  validate [DIR]                   check baseline files
  accept --report R --finding ID   make a finding normal (adds it to the target's baseline)
  review [DIR] [--evidence LOC]    expired, expiring and unused entries; targets to learn

Options:
  -h, --help      show this help
  --version       print log-audit's version

Run \`log-audit <command> --help\` for a command's options.
`;

const COMMANDS: Record<string, (argv: readonly string[], io: CommandIo) => Promise<number>> = {
  learn: learnCommand,
  audit: auditCommand,
  validate: validateCommand,
  accept: acceptCommand,
  review: reviewCommand,
};

export const EXIT = { ok: 0, findings: 1, usage: 2, baselines: 3, nothingRead: EXIT_NOTHING_READ, internal: 70 } as const;

/** The version in log-audit's package.json, found from this module upward (source or bundle). */
export function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'log-audit' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(MAIN_HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === 'version') {
    io.out(`log-audit ${version()}\n`);
    return EXIT.ok;
  }
  const run = COMMANDS[command];
  try {
    if (!run) {
      const names = Object.keys(COMMANDS);
      const suggestion = closest(command.replace(/^-+/, ''), names);
      const what = command.startsWith('-') ? 'unknown option' : 'unknown command';
      throw new UsageError(`${JSON.stringify(command).slice(1, -1)}: ${what}${suggestion ? `; did you mean ${suggestion}?` : `; commands: ${names.join(', ')}`} (see \`log-audit --help\`)`);
    }
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof MissingPathError || error instanceof ReportError) {
      io.err(`log-audit: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof BaselineError) {
      for (const problem of error.problems) io.err(`log-audit: ${problem}`);
      return EXIT.baselines;
    }
    throw error;
  }
}

/** Process entry: real stdout/stderr, exit status set from `main`. */
export function runCli(): void {
  capYoungGeneration();
  // Output piped into a reader that stopped (`| head`): stop quietly, as Unix tools do, not with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  // Whatever a command writes, no hidden character reaches the terminal as itself.
  const io: CommandIo = {
    out: (text) => process.stdout.write(terminalGuard(text)),
    err: (line) => process.stderr.write(`${terminalGuard(line)}\n`),
    progress: true,
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`log-audit: internal error (please report it): ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
