import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { baselineJsonSchema } from '../../../functions/src/core/baseline/schema.js';
import { BaselineError, loadBaselines, loadEditableBaselines, parseBaseline, quickParseBaseline, writeLearned } from '../../../functions/src/core/baseline/store.js';
import { event } from '../../support/events.js';
import { repoRoot, withTempDir } from '../../support/fixtures.js';

const valid = `version: 1
kind: gcs
target: bucket-a
sources:
  - match: ip:203.0.113.7
credentials:
  - match: app@p.iam.gserviceaccount.com
pairs: []
`;

function problemsOf(text: string): string[] {
  const result = parseBaseline('baselines/gcs/bucket-a.yaml', text);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

describe('baseline validation', () => {
  it('accepts a valid file and fills defaults', () => {
    const result = parseBaseline('f.yaml', 'version: 1\nkind: vpc-flow\ntarget: 10.0.0.4:6379\n');
    expect(result.ok && result.loaded.baseline).toMatchObject({ sources: [], credentials: [], pairs: [] });
  });

  it.each([
    ['a misspelled field', valid.replace('  - match: ip:203.0.113.7', '  - match: ip:203.0.113.7\n    expire: 2027-01-01'), /:6: sources\[0\]\.expire: unknown field; did you mean expires\?/],
    ['a misspelled top-level field', valid.replace('pairs: []', 'pair: []'), /:8: pair: unknown field; did you mean pairs\?/],
    ['a bad source form', valid.replace('ip:203.0.113.7', 'host:foo'), /:5: sources\[0\]\.match: must be <form>:<value>/],
    ['an invalid IP', valid.replace('ip:203.0.113.7', 'ip:999.1.1.1'), /sources\[0\]\.match: "999\.1\.1\.1" is not an IP address/],
    ['an invalid CIDR', valid.replace('ip:203.0.113.7', 'cidr:10.0.0.0/33'), /sources\[0\]\.match: .*not a CIDR/],
    ['an unknown kind', valid.replace('kind: gcs', 'kind: s3'), /:2: kind: /],
    ['a bad date', valid.replace('  - match: ip:203.0.113.7', '  - match: ip:203.0.113.7\n    expires: soon'), /:6: sources\[0\]\.expires: must be YYYY-MM-DD or an RFC 3339 timestamp/],
    ['a day not on the calendar', valid.replace('  - match: ip:203.0.113.7', '  - match: ip:203.0.113.7\n    expires: 2027-02-30'), /:6: sources\[0\]\.expires: "2027-02-30" is not a date on the calendar/],
    ['a malformed Cloud SQL target', valid.replace('kind: gcs', 'kind: cloudsql').replace('target: bucket-a', 'target: orders-pg'), /:3: target: "orders-pg" must be PROJECT:INSTANCE/],
    ['a target that is no bucket name', valid.replace('target: bucket-a', 'target: Bucket A'), /:3: target: "Bucket A" is not a bucket name/],
    ['a malformed flow target', valid.replace('kind: gcs', 'kind: vpc-flow').replace('target: bucket-a', 'target: redis'), /:3: target: "redis" must be IP:PORT, PROJECT\/NETWORK\/IP:PORT/],
    ['invalid YAML', 'version: 1\nkind: [gcs\n', /invalid YAML/],
    ['a duplicate key', 'version: 1\nversion: 1\nkind: gcs\ntarget: b\n', /invalid YAML/],
    ['a wrong type', valid.replace('sources:\n  - match: ip:203.0.113.7', 'sources: "everything"'), /sources: /],
  ])('names the file, line and field for %s', (_name, text, message) => {
    const problems = problemsOf(text);
    expect(problems.join('\n')).toMatch(/^baselines\/gcs\/bucket-a\.yaml/);
    expect(problems.join('\n')).toMatch(message);
  });

  it('refuses two files for one target, naming both', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      await writeFile(join(dir, 'gcs/bucket-a.yaml'), valid);
      await writeFile(join(dir, 'gcs/bucket-a.yml'), valid);
      const error = await loadBaselines(dir).catch((e) => e);
      expect(error).toBeInstanceOf(BaselineError);
      expect(error.problems[0]).toMatch(/bucket-a\.yml: target: .*already described by .*bucket-a\.yaml/);
    });
  });

  it('refuses a target that is not the one its file is named for (a typo would switch detection off)', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      await writeFile(join(dir, 'gcs/acme-finance-reports.yaml'), valid.replace('target: bucket-a', 'target: acme-finance-report'));
      const error = (await loadBaselines(dir).catch((e) => e)) as BaselineError;
      expect(error).toBeInstanceOf(BaselineError);
      expect(error.problems).toEqual([expect.stringMatching(/gcs\/acme-finance-reports\.yaml:3: target: "acme-finance-report" is not the gcs target this file is named for \(gcs\/acme-finance-reports\.yaml\); a baseline for it belongs in gcs\/acme-finance-report\.yaml/)]);
      // The kind is part of the name: a gcs baseline filed under cloudsql/ is refused too.
      await mkdir(join(dir, 'cloudsql'));
      await writeFile(join(dir, 'cloudsql/bucket-a.yaml'), valid);
      const again = (await loadBaselines(dir).catch((e) => e)) as BaselineError;
      expect(again.problems.join('\n')).toMatch(/cloudsql\/bucket-a\.yaml:3: target: .*belongs in gcs\/bucket-a\.yaml/);
    });
  });

  it('prints a file\'s problems one per line, in line order', () => {
    const text = ['version: 1', 'kind: gcs', 'target: bucket-a', 'sources:', '  - match: nope', '    expires: 2026-13-01', 'credentials:', '  - match: a@b', '    owne: me', 'pairs: []', ''].join('\n');
    const problems = problemsOf(text);
    expect(problems.map((p) => Number(/\.yaml:(\d+):/.exec(p)?.[1]))).toEqual([5, 6, 9]);
    expect(problems[2]).toMatch(/credentials\[0\]\.owne: unknown field; did you mean owner\?/);
    expect(problems.every((p) => !p.includes('\n'))).toBe(true);
  });

  it('refuses a missing directory with advice', async () => {
    await expect(loadBaselines('/no/such/dir')).rejects.toThrow(/baselines directory not found .*log-audit learn/);
  });

  it('lists every problem of every file at once', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      await writeFile(join(dir, 'gcs/a.yaml'), valid.replace('kind: gcs', 'kind: nope'));
      await writeFile(join(dir, 'gcs/bucket-a.yaml'), valid.replace('ip:203.0.113.7', 'nope'));
      const error = (await loadBaselines(dir).catch((e) => e)) as BaselineError;
      expect(error.problems).toHaveLength(2);
    });
  });

  it('keeps the committed JSON Schema in step with the zod schema', async () => {
    const committed = JSON.parse(await readFile(join(repoRoot, 'baselines/baseline.schema.json'), 'utf8'));
    expect(committed).toEqual(baselineJsonSchema());
  });
});

describe('writing learned baselines', () => {
  async function learnInto(dir: string, events: ReturnType<typeof event>[]) {
    const existing = await loadEditableBaselines(dir).catch(() => []);
    const learner = new Learner(existing);
    for (const e of events) learner.add(e);
    return writeLearned(dir, learner.result(), existing);
  }

  it('creates a valid, commented file per target', async () => {
    await withTempDir(async (dir) => {
      const [summary] = await learnInto(dir, [event()]);
      expect(summary).toMatchObject({ created: true, added: { sources: 1, credentials: 1, pairs: 1 } });
      const text = await readFile(summary!.file, 'utf8');
      expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/baseline\.schema\.json/);
      expect(summary!.file).toBe(join(dir, 'gcs/bucket-a.yaml'));
      const [loaded] = await loadBaselines(dir);
      expect(loaded!.baseline.sources[0]).toMatchObject({ match: 'ip:203.0.113.7', count: 1 });
    });
  });

  it('merges new evidence and keeps analysts’ comments and annotations', async () => {
    await withTempDir(async (dir) => {
      await learnInto(dir, [event({ time: '2026-11-18T10:00:00Z' })]);
      const file = join(dir, 'gcs/bucket-a.yaml');
      const edited = (await readFile(file, 'utf8'))
        .replace('  - match: ip:203.0.113.7\n', '  # the office NAT, see TICKET-12\n  - match: ip:203.0.113.7\n    owner: netops\n    reason: office egress\n')
        .replace('pairs:', '# pairs are learned\npairs:');
      await writeFile(file, edited);
      const [summary] = await learnInto(dir, [event({ time: '2026-11-20T10:00:00Z' }), event({ time: '2026-11-20T11:00:00Z', source: { ip: '192.0.2.8' } })]);
      expect(summary).toMatchObject({ created: false, added: { sources: 1, credentials: 0, pairs: 1 } });
      const text = await readFile(file, 'utf8');
      expect(text).toContain('# the office NAT, see TICKET-12');
      expect(text).toContain('# pairs are learned');
      const [loaded] = await loadBaselines(dir);
      expect(loaded!.baseline.sources).toEqual([
        { match: 'ip:203.0.113.7', owner: 'netops', reason: 'office egress', count: 2, firstSeen: '2026-11-18T10:00:00Z', lastSeen: '2026-11-20T10:00:00Z' },
        { match: 'ip:192.0.2.8', count: 1, firstSeen: '2026-11-20T11:00:00Z', lastSeen: '2026-11-20T11:00:00Z' },
      ]);
    });
  });

  it('does not inflate counts when the same history is learned twice', async () => {
    await withTempDir(async (dir) => {
      const history = [event({ time: '2026-11-18T10:00:00Z' }), event({ time: '2026-11-19T10:00:00Z' })];
      await learnInto(dir, history);
      const before = await readFile(join(dir, 'gcs/bucket-a.yaml'), 'utf8');
      const summaries = await learnInto(dir, history);
      expect(summaries).toEqual([]);
      expect(await readFile(join(dir, 'gcs/bucket-a.yaml'), 'utf8')).toBe(before);
    });
  });

  it('keeps entries an analyst added by hand', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'), { recursive: true });
      await writeFile(join(dir, 'gcs/bucket-a.yaml'), valid.replace('pairs: []', 'pairs: []\n').replace('sources:\n', 'sources:\n  - match: asn:15169\n    reason: Google\n'));
      await learnInto(dir, [event({ source: { ip: '192.0.2.8' } })]);
      const [loaded] = await loadBaselines(dir);
      expect(loaded!.baseline.sources.map((s) => s.match)).toEqual(['asn:15169', 'ip:203.0.113.7', 'ip:192.0.2.8']);
    });
  });
});

describe('hostile baseline files', () => {
  it('refuses a YAML alias bomb with a clear error instead of exhausting memory', () => {
    const bomb = ['version: 1', 'kind: gcs', 'target: b', 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const result = parseBaseline('baselines/bomb.yaml', bomb);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(/^baselines\/bomb\.yaml: invalid YAML: .*alias/i);
  });

  it('refuses an oversized baseline file before parsing it, naming it', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'huge.yaml'), `version: 1\nkind: gcs\ntarget: b\ndescription: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
      await expect(loadBaselines(dir)).rejects.toThrow(/huge\.yaml: file is \d+ bytes, over the 2097152-byte limit for a baseline/);
    });
  });

  /** A file of `n` minimal source entries (what a flood of one-off sources would make). */
  const manySources = (target: string, n: number, from = 0) =>
    `version: 1\nkind: gcs\ntarget: ${target}\nsources:\n${Array.from({ length: n }, (_, i) => `  - match: ip:10.${((from + i) >> 16) & 255}.${((from + i) >> 8) & 255}.${(from + i) & 255}\n`).join('')}`;

  it('refuses a file over 20,000 entries (the default limit), however small its bytes', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      await writeFile(join(dir, 'gcs/flood.yaml'), manySources('flood', 20_001));
      await expect(loadBaselines(dir)).rejects.toThrow(/flood\.yaml: 20001 entries, over the 20000-entry limit/);
      await writeFile(join(dir, 'gcs/flood.yaml'), manySources('flood', 20_000));
      expect(await loadBaselines(dir)).toHaveLength(1);
    });
  });

  it('refuses baselines over the limits in all, naming the file where they are passed', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      for (const t of ['aaa', 'bbb', 'ccc']) await writeFile(join(dir, `gcs/${t}.yaml`), manySources(t, 40));
      const limits = { fileBytes: 1_000_000, fileEntries: 50, totalBytes: 1_000_000, totalEntries: 100 };
      await expect(loadBaselines(dir, limits)).rejects.toThrow(/ccc\.yaml: baselines in .* pass 100 entries in all at this file/);
      await expect(loadBaselines(dir, { ...limits, totalEntries: 120 })).resolves.toHaveLength(3);
      const size = (await readFile(join(dir, 'gcs/aaa.yaml'))).length;
      await expect(loadBaselines(dir, { ...limits, totalBytes: 2 * size + 1 })).rejects.toThrow(/ccc\.yaml: baselines in .* pass \d+ bytes in all at this file/);
    });
  });

  it('reads many files at once yet returns them, and their problems, in file order', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'gcs'));
      // Sizes vary so the reads land out of order; two are broken, far apart.
      const names = Array.from({ length: 40 }, (_, i) => `bucket-${String(i).padStart(2, '0')}`);
      for (const [i, name] of names.entries()) {
        const text = i === 7 || i === 31 ? `version: 1\nkind: gcs\ntarget: ${name}\nsorces: []\n` : manySources(name, 1 + ((i * 37) % 200));
        await writeFile(join(dir, `gcs/${name}.yaml`), text);
      }
      const error = await loadBaselines(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BaselineError);
      expect((error as BaselineError).problems.map((p) => /bucket-\d+/.exec(p)?.[0])).toEqual(['bucket-07', 'bucket-31']);
      for (const i of [7, 31]) await writeFile(join(dir, `gcs/${names[i]}.yaml`), manySources(names[i]!, 3));
      expect((await loadBaselines(dir)).map((b) => b.baseline.target)).toEqual(names);
    });
  });

  it('refuses markup and control characters where identities belong', () => {
    const problems = problemsOf(valid.replace('ip:203.0.113.7', '"ip:203.0.113.7 <!channel>"'));
    expect(problems.join('\n')).toMatch(/sources\[0\]\.match/);
  });
});

describe('the quick read of valid baselines', () => {
  it('gives what the careful read gives, file for file (learned files, hand-written ones, every section)', async () => {
    await withTempDir(async (dir) => {
      const { Learner: L } = await import('../../../functions/src/core/baseline/learn.js');
      const { scanBytes } = await import('../../support/fixtures.js');
      const learner = new L();
      for (const name of ['gcs-data-access.jsonl', 'cloudsql-pgaudit.jsonl', 'cloudsql-mysql-audit.jsonl', 'vpc-flows.jsonl', 'cloudsql-connect-activity.jsonl']) {
        for (const e of (await scanBytes(await readFile(join(repoRoot, 'test/fixtures/formats', name)), { file: name })).events) learner.add(e);
      }
      await writeLearned(dir, learner.result(), []);
      const careful = await loadEditableBaselines(dir);
      expect(careful.length).toBeGreaterThan(3);
      for (const { file, baseline } of careful) {
        const text = await readFile(file, 'utf8');
        expect(quickParseBaseline(file, text, relative(dir, file))?.baseline, file).toEqual(baseline);
      }
    });
  });

  it('leaves to the careful read what needs it: anchors, problems, entries that expire', () => {
    expect(quickParseBaseline('gcs/bucket-a.yaml', valid, 'gcs/bucket-a.yaml')).toBeDefined();
    expect(quickParseBaseline('gcs/bucket-a.yaml', valid.replace('credentials:', 'x: &a [1]\ncredentials:'), 'gcs/bucket-a.yaml')).toBeUndefined();
    expect(quickParseBaseline('gcs/bucket-a.yaml', valid.replace('kind: gcs', 'kind: s3'), 'gcs/bucket-a.yaml')).toBeUndefined();
    expect(quickParseBaseline('gcs/bucket-a.yaml', valid, 'gcs/other.yaml')).toBeUndefined();
    expect(quickParseBaseline('gcs/bucket-a.yaml', valid.replace('  - match: ip:203.0.113.7', '  - match: ip:203.0.113.7\n    expires: 2027-01-01'), 'gcs/bucket-a.yaml')).toBeUndefined();
  });
});
