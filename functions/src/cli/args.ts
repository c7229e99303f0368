/**
 * Command-line parsing: node's parseArgs, then zod for values. One error class and one style for
 * every mistake — `<command>: --flag: what is wrong (see `log-audit <command> --help`)` — with
 * "did you mean" for a misspelled flag. parseArgs' own messages (which suggest `-- "--flag"`) never
 * reach the user: unknown flags are found from its tokens first, and its other errors are reworded.
 */
import type { ParseArgsConfig } from 'node:util';
import * as z from 'zod';
import { closest } from '../core/text/did-you-mean.js';

// Not `import … from 'node:util'`: an import of node:util builds its ES module facade, whose reads
// of every export run the lazy TextDecoder getter, which loads worker_threads and the SIGINT tracer
// into every start of the CLI (~5 ms measured with --cpu-prof before the first byte is read).
const { parseArgs } = process.getBuiltinModule('node:util');

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

function helpHint(command: string): string {
  return `(see \`log-audit ${command} --help\`)`;
}

export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpec): { values: Record<string, unknown>; positionals: string[] } {
  const spec: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  const flags = Object.keys(spec);
  // First pass, lenient: every option token, known or not, so an unknown one is named in our words.
  const { tokens } = parseArgs({ args: [...argv], options: spec, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name in spec) continue;
    const suggestion = token.rawName.startsWith('--') ? closest(token.name, flags) : undefined;
    throw new UsageError(`${command}: ${token.rawName}: unknown option${suggestion ? `; did you mean --${suggestion}?` : ''} ${helpHint(command)}`);
  }
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: spec, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(`${command}: ${reword(error as Error & { code?: string })} ${helpHint(command)}`);
  }
}

/** parseArgs' remaining errors in our style. */
function reword(error: Error & { code?: string }): string {
  const message = error.message.split('\n')[0] ?? '';
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    return /argument missing/.test(message) ? `${flag}: needs a value` : `${flag}: takes no value`;
  }
  return message;
}

/** Validates option values with a zod schema; the message names the flag. */
export function checkOptions<T extends z.ZodType>(command: string, schema: T, values: Record<string, unknown>): z.output<T> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const flag = issue.path[0] !== undefined ? `--${String(issue.path[0])}` : 'options';
  throw new UsageError(`${command}: ${flag}: ${issue.message}`);
}

export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().nonnegative();
