/**
 * The deployed source of the audit functions: our bundled code (esbuild), the worker threads and the
 * files it reads beside itself (the download thread; PostgreSQL's parser as WebAssembly), a package.json naming only the Functions Framework,
 * and the reviewed `baselines/` — validated first, so a broken baseline
 * stops `pulumi up` with the file and field named instead of reaching production.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { loadBaselines } from '../functions/src/core/baseline/store.js';
import { bundleFunction, bundleFunctionWorkers, FUNCTION_RUNTIME_FILES, functionPackageJson } from '../functions/scripts/bundle-function.mjs';

export interface FunctionSource {
  archive: pulumi.asset.AssetArchive;
  /** Changes whenever the code or a baseline changes: names the uploaded object, so functions redeploy. */
  hash: string;
  baselineFiles: string[];
}

export async function functionSource(root: string): Promise<FunctionSource> {
  const baselinesDir = join(root, 'baselines');
  const baselines = await loadBaselines(baselinesDir);
  const { code, legal, sha256 } = await bundleFunction();
  const workers = await bundleFunctionWorkers();
  // The deployed function gets the Functions Framework range this repository is tested with.
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const framework = manifest.dependencies['@google-cloud/functions-framework']!;
  const digest = createHash('sha256').update(sha256).update(framework);
  const assets: Record<string, pulumi.asset.Asset | pulumi.asset.Archive> = {
    'index.js': new pulumi.asset.StringAsset(code),
    'index.js.LEGAL.txt': new pulumi.asset.StringAsset(legal),
    'package.json': new pulumi.asset.StringAsset(functionPackageJson(framework)),
  };
  // The worker threads it starts, beside it (the download thread).
  for (const worker of workers) {
    digest.update(worker.name).update(worker.sha256);
    assets[worker.name] = new pulumi.asset.StringAsset(worker.code);
    if (worker.legal) assets[`${worker.name}.LEGAL.txt`] = new pulumi.asset.StringAsset(worker.legal);
  }
  // From this repository's installed packages, whatever `root` is.
  for (const file of FUNCTION_RUNTIME_FILES) {
    const path = fileURLToPath(new URL(`../${file.from}`, import.meta.url));
    digest.update(file.name).update(await readFile(path));
    assets[file.name] = new pulumi.asset.FileAsset(path);
  }
  for (const { file } of baselines) {
    const text = await readFile(file, 'utf8');
    const relative = file.slice(baselinesDir.length + 1);
    digest.update(relative).update(text);
    assets[`baselines/${relative}`] = new pulumi.asset.StringAsset(text);
  }
  return { archive: new pulumi.asset.AssetArchive(assets), hash: digest.digest('hex').slice(0, 16), baselineFiles: baselines.map((b) => b.file) };
}
