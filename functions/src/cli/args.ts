/** Command-line parsing: node's parseArgs, then zod for values. One error class, one line each. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpec): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]} (see \`log-audit ${command} --help\`)`);
  }
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
