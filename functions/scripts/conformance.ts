/**
 * `npm run conformance` — the real GCP entries other projects publish as parser test data, read
 * through the CLI's reader and compared with what those projects expect. Prints, per sample file,
 * how many lines were parsed / skipped / unknown / bad, then every sample whose status, target,
 * source address, principal, outcome or flow endpoints differ from the expectation.
 *
 * Exit status: 0 every sample conforms; 1 a mismatch (or a sample that names no line); 2 the samples
 * folder is absent or unreadable, so nothing was checked.
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { terminalSafe } from '../src/core/report/terminal-text.js';
import { checkConformance, type ConformanceResult } from './conformance/check.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_SAMPLES = join(root, '..', 'shared', 'peer-samples');

const USAGE = `Usage: npm run conformance -- [--samples DIR]

Scans real GCP log entries that other projects publish as parser test data (Elastic, Sekoia,
Dynatrace, Panther, OpenTelemetry) through log-audit's reader and compares each with its expectation.

  --samples DIR   the peer-samples folder: <source>.jsonl files and expected.jsonl
                  (default: ../shared/peer-samples beside this repository; never copied into it)
  -h, --help      this text

Exit status: 0 all conform, 1 mismatches, 2 samples folder absent (nothing checked).
`;

export function formatConformance(result: ConformanceResult): string {
  const out: string[] = [];
  const header = ['source', 'lines', 'parsed', 'skipped', 'unknown', 'bad', 'mismatched'];
  const rows = result.sources.map((s) => [s.file, s.lines, s.parsed, s.skipped, s.unknown, s.bad, s.mismatches].map(String));
  const total = (k: 'lines' | 'parsed' | 'skipped' | 'unknown' | 'bad' | 'mismatches') => String(result.sources.reduce((n, s) => n + s[k], 0));
  rows.push(['total', total('lines'), total('parsed'), total('skipped'), total('unknown'), total('bad'), total('mismatches')]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out.push(line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(0, -1).map(line), line(widths.map((w) => '-'.repeat(w))), line(rows.at(-1)!));
  if (result.mismatches.length > 0) {
    out.push('', `${result.mismatches.length} mismatches:`);
    for (const m of result.mismatches) {
      out.push(`  ${m.id} (${m.file}:${m.line}) ${m.field}: expected ${terminalSafe(m.expected, 160)}, got ${terminalSafe(m.actual, 160)}`);
    }
  }
  if (result.unmatched.length > 0) {
    out.push('', `${result.unmatched.length} samples and lines that do not pair up:`);
    for (const u of result.unmatched) out.push(`  ${terminalSafe(u, 200)}`);
  }
  const ok = result.mismatches.length === 0 && result.unmatched.length === 0;
  out.push('', ok ? `all ${result.samples} samples conform` : `${result.samples} samples: ${result.sources.reduce((n, s) => n + s.mismatches, 0)} do not conform`);
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  let values: { samples?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { samples: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`conformance: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dir = resolve(values.samples ?? DEFAULT_SAMPLES);
  try {
    await access(join(dir, 'expected.jsonl'));
  } catch {
    process.stderr.write(`conformance: no peer samples at ${dir} (expected.jsonl is missing): nothing was checked.\nThey live outside this repository; pass --samples DIR to point at them.\n`);
    return 2;
  }
  process.stdout.write(`log-audit conformance — peer samples in ${dir}\n\n`);
  const result = await checkConformance(dir);
  process.stdout.write(formatConformance(result));
  return result.mismatches.length === 0 && result.unmatched.length === 0 ? 0 : 1;
}

process.exitCode = await main();
