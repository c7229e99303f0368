import { showDate } from '../../core/baseline/dates.js';
import { loadBaselines } from '../../core/baseline/store.js';
import { checkOptions, parseCommandArgs, UsageError } from '../args.js';
import * as z from 'zod';
import type { CommandIo } from './io.js';

export const VALIDATE_HELP = `Usage: log-audit validate [DIR]

Checks every baseline file (*.yaml) under DIR (default: baselines/): YAML syntax, the baseline
schema (a misspelled field is an error, with the field it was probably meant to be), source
match syntax, dates (YYYY-MM-DD or RFC 3339, real calendar days), that each target is
well-formed for its kind and is the one its file is named for (KIND/TARGET.yaml), and that no
two files describe the same target. Every problem is printed on its own line as
file:line: field: message, in line order. Expired entries are listed as warnings.

Options:
  --now ISO      judge "expires" as of this time (default: now)
  -h, --help     show this help

Exit status: 0 when every file is valid, 3 when any is not, 2 for a usage error.
`;

export async function validateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('validate', argv, { now: { type: 'string' } });
  if (values['help']) {
    io.out(VALIDATE_HELP);
    return 0;
  }
  const options = checkOptions('validate', z.object({ now: z.iso.datetime({ offset: true }).optional() }).loose(), values);
  if (positionals.length > 1) throw new UsageError('validate: takes at most one directory (see `log-audit validate --help`)');
  const dir = positionals[0] ?? 'baselines';
  const baselines = await loadBaselines(dir);
  const now = options.now ? Date.parse(options.now) : Date.now();
  let sources = 0;
  let credentials = 0;
  let pairs = 0;
  for (const loaded of baselines) {
    const { file, baseline } = loaded;
    sources += baseline.sources.length;
    credentials += baseline.credentials.length;
    pairs += baseline.pairs.length;
    for (const section of ['sources', 'credentials', 'pairs'] as const) {
      baseline[section].forEach((entry, i) => {
        if (entry.expires === undefined || Date.parse(entry.expires) > now) return;
        const line = loaded.entryLines?.[section][i];
        io.err(`${file}${line ? `:${line}` : ''}: ${section}[${i}].expires: expired on ${showDate(entry.expires)}; the entry no longer counts as normal (warning)`);
      });
    }
  }
  io.out(`ok: ${baselines.length} baseline file${baselines.length === 1 ? '' : 's'} in ${dir} (${sources} sources, ${credentials} credentials, ${pairs} pairs)\n`);
  return 0;
}
