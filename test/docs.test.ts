/** The front door stays a front door, and the guides it points to are there. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCEPT_HELP } from '../functions/src/cli/commands/accept.js';
import { AUDIT_HELP } from '../functions/src/cli/commands/audit.js';
import { VALIDATE_HELP } from '../functions/src/cli/commands/validate.js';
import { repoRoot } from './support/fixtures.js';

async function markdownFiles(): Promise<string[]> {
  const docs = (await readdir(join(repoRoot, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  return ['README.md', 'baselines/README.md', ...docs];
}

describe('documentation', () => {
  it('the README is at most 200 lines and has a read-next table for every guide the issue names', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    for (const guide of ['deploy', 'on-call', 'baselines', 'architecture', 'throughput', 'threat-model']) expect(readme).toContain(`](docs/${guide}.md)`);
  });

  it('every relative link resolves inside this repository, never to a folder beside it', async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await readFile(join(repoRoot, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
        const path = join(repoRoot, dirname(file), target!.split('#')[0]!);
        if (!path.startsWith(repoRoot) || !(await stat(path).catch(() => undefined))) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('docs/cli.md documents every option of audit, validate and accept', async () => {
    const cli = await readFile(join(repoRoot, 'docs/cli.md'), 'utf8');
    const missing: string[] = [];
    for (const help of [AUDIT_HELP, VALIDATE_HELP, ACCEPT_HELP]) {
      for (const [, flag] of help.matchAll(/^ {2}(--[a-z-]+)/gm)) if (!new RegExp(`${flag}(?![a-z-])`).test(cli)) missing.push(flag!);
    }
    expect(missing).toEqual([]);
  });
});
