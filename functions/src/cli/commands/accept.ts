import { z } from 'zod';
import { LOG_KINDS } from '../../core/access-event.js';
import { accept } from '../../core/baseline/accept.js';
import { sourceMatchProblem } from '../../core/baseline/schema.js';
import { checkOptions, parseCommandArgs, UsageError } from '../args.js';
import type { CommandIo } from './io.js';

export const ACCEPT_HELP = `Usage: log-audit accept --kind KIND --target TARGET [--source MATCH] [--credential MATCH] [options]

Makes a finding normal: adds the source, the credential and the credential-from-source pair to
the target's baseline file (creating the file if the target has none), each annotated with
--owner, --reason and --expires. Entries already present are left alone; comments and other
entries in the file are kept. Every Slack digest and text report prints the exact command.

Options:
  --baselines DIR        baseline directory (default: baselines/)
  --kind KIND            ${LOG_KINDS.join(' | ')}
  --target TARGET        bucket, project:instance, or ip:port / gke:… of the finding
  --source MATCH         source identity, e.g. ip:203.0.113.7, gke:cluster/namespace
  --credential MATCH     principal, delegation chain, db-user:name, or a glob with *
  --pair-only            add only the credential-from-source pair (both are already known)
  --owner TEXT           who answers for the new entries
  --reason TEXT          why they are normal
  --expires DATE         after this date they no longer count (ISO-8601)
  -h, --help             show this help

Exit status: 0 on success, 2 for a usage error, 3 when the baselines are invalid.
`;

const acceptOptions = z
  .object({
    baselines: z.string().min(1).default('baselines'),
    kind: z.enum(LOG_KINDS, { error: `must be one of ${LOG_KINDS.join(', ')}` }),
    target: z.string().min(1, 'is required'),
    source: z
      .string()
      .superRefine((v, ctx) => {
        const problem = sourceMatchProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    credential: z.string().min(1).optional(),
    'pair-only': z.boolean().default(false),
    owner: z.string().optional(),
    reason: z.string().optional(),
    expires: z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date')
      .optional(),
  })
  .loose();

export async function acceptCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('accept', argv, {
    baselines: { type: 'string' },
    kind: { type: 'string' },
    target: { type: 'string' },
    source: { type: 'string' },
    credential: { type: 'string' },
    'pair-only': { type: 'boolean' },
    owner: { type: 'string' },
    reason: { type: 'string' },
    expires: { type: 'string' },
  });
  if (values['help']) {
    io.out(ACCEPT_HELP);
    return 0;
  }
  const o = checkOptions('accept', acceptOptions, values);
  if (positionals.length > 0) throw new UsageError(`accept: unexpected argument ${JSON.stringify(positionals[0])} (see \`log-audit accept --help\`)`);
  if (!o.source && !o.credential) throw new UsageError('accept: give --source, --credential, or both');
  if (o['pair-only'] && !(o.source && o.credential)) throw new UsageError('accept: --pair-only needs both --source and --credential');
  const result = await accept(o.baselines, {
    kind: o.kind,
    target: o.target,
    ...(o.source ? { source: o.source } : {}),
    ...(o.credential ? { credential: o.credential } : {}),
    pairOnly: o['pair-only'],
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.expires ? { expires: o.expires } : {}),
  });
  if (result.added.length === 0) io.out(`${result.file}: already normal, nothing to add\n`);
  else io.out(`${result.created ? 'created' : 'updated'} ${result.file}:\n${result.added.map((a) => `  + ${a}`).join('\n')}\nReview the change and commit it; \`log-audit validate ${o.baselines}\` checks it.\n`);
  return 0;
}
