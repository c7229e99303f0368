/** The deployed archive: bundled code, the framework dependency, the reviewed baselines — and a refusal for broken ones. */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaselineError } from '../../functions/src/core/baseline/store.js';
import { FUNCTION_RUNTIME } from '../../infra/components/deployed-function.js';
import { functionSource } from '../../infra/function-source.js';
import { bundleEntry, FUNCTION_RUNTIME_FILES } from '../../functions/scripts/bundle-function.mjs';
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
      expect(Object.keys(assets).sort()).toEqual(['baselines/gcs/reports.yaml', 'download-worker.js', 'download-worker.js.LEGAL.txt', 'index.js', 'index.js.LEGAL.txt', 'libpg-query.wasm', 'package.json']);
      const pkg = JSON.parse((await assets['package.json']!.text)!);
      expect(Object.keys(pkg.dependencies)).toEqual(['@google-cloud/functions-framework']);
      expect(pkg.main).toBe('index.js');
      // The deployed package asks for the major the functions run on.
      expect(`nodejs${pkg.engines.node.replace('.x', '')}`).toBe(FUNCTION_RUNTIME);
      expect(await assets['index.js']!.text).toContain('auditBatch');
      expect(source.hash).toMatch(/^[0-9a-f]{16}$/);
    });
  });

  it('the bundle analyzes SQL from its own folder with the runtime files beside it (PostgreSQL\'s parser is WebAssembly)', async () => {
    await withTempDir(async (dir) => {
      const probe = join(dir, 'probe.ts');
      await writeFile(
        probe,
        `import { analyzeStatement, loadSqlParsers } from ${JSON.stringify(join(repoRoot, 'functions/src/core/sql/analyze.ts'))};\nexport async function run() { await loadSqlParsers(); return [analyzeStatement('postgres', "COPY customers TO PROGRAM 'x'"), analyzeStatement('mysql', "SELECT * FROM t INTO OUTFILE '/tmp/x'")]; }\n`,
      );
      const out = join(dir, 'deployed');
      await mkdir(out);
      await writeFile(join(out, 'index.js'), (await bundleEntry(probe)).code);
      for (const file of FUNCTION_RUNTIME_FILES) await copyFile(join(repoRoot, file.from), join(out, file.name));
      const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(out, 'index.js'))}).run().then((r) => process.stdout.write(JSON.stringify(r)))`], { cwd: out, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const [pg, mysql] = JSON.parse(result.stdout) as { neverRoutine?: string }[];
      expect(pg!.neverRoutine).toMatch(/PROGRAM/);
      expect(mysql!.neverRoutine).toMatch(/OUTFILE/);
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
