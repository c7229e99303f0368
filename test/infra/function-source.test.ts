/** The deployed archive: bundled code, the framework dependency, the reviewed baselines — and a refusal for broken ones. */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaselineError } from '../../functions/src/core/baseline/store.js';
import { FUNCTION_RUNTIME } from '../../infra/components/deployed-function.js';
import { functionSource } from '../../infra/function-source.js';
import { repoRoot, withTempDir } from '../support/fixtures.js';

async function fakeRoot(dir: string, baseline: string): Promise<void> {
  await copyFile(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  await mkdir(join(dir, 'baselines', 'gcs'), { recursive: true });
  await writeFile(join(dir, 'baselines', 'gcs', 'reports.yaml'), baseline);
}

describe('function source archive', () => {
  it('holds the bundle, a package.json with only the Functions Framework, and the baselines', async () => {
    await withTempDir(async (dir) => {
      await fakeRoot(dir, 'version: 1\nkind: gcs\ntarget: reports\n');
      const source = await functionSource(dir);
      const assets = (await source.archive.assets) as Record<string, { text?: Promise<string> }>;
      expect(Object.keys(assets).sort()).toEqual(['baselines/gcs/reports.yaml', 'index.js', 'index.js.LEGAL.txt', 'package.json']);
      const pkg = JSON.parse((await assets['package.json']!.text)!);
      expect(Object.keys(pkg.dependencies)).toEqual(['@google-cloud/functions-framework']);
      expect(pkg.main).toBe('index.js');
      // The deployed package asks for the major the functions run on.
      expect(`nodejs${pkg.engines.node.replace('.x', '')}`).toBe(FUNCTION_RUNTIME);
      expect(await assets['index.js']!.text).toContain('auditBatch');
      expect(source.hash).toMatch(/^[0-9a-f]{16}$/);
    });
  });

  it('changes its hash (and so redeploys) when a baseline changes', async () => {
    await withTempDir(async (dir) => {
      await fakeRoot(dir, 'version: 1\nkind: gcs\ntarget: reports\n');
      const before = (await functionSource(dir)).hash;
      await writeFile(join(dir, 'baselines', 'gcs', 'reports.yaml'), 'version: 1\nkind: gcs\ntarget: reports\nsources: [{ match: "ip:203.0.113.7" }]\n');
      expect((await functionSource(dir)).hash).not.toBe(before);
    });
  });

  it('case 23: refuses to deploy a broken baseline, naming the file and the field', async () => {
    await withTempDir(async (dir) => {
      await fakeRoot(dir, 'version: 1\nkind: gcs\ntarget: reports\nsources:\n  - match: the-office\n');
      const error = await functionSource(dir).catch((e) => e);
      expect(error).toBeInstanceOf(BaselineError);
      expect(error.message).toMatch(/baselines\/gcs\/reports\.yaml:5: sources\[0\]\.match: must be <form>:<value>/);
    });
  });
});
