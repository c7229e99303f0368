// Bundles the Cloud Function into one CommonJS file with esbuild: our code and its libraries, minus
// @google-cloud/functions-framework, which the runtime installs from the deployed package.json and
// which must be the same instance that loads our registration. Also what is deployed beside the
// bundle: its package.json, the runtime files it reads, and the environment it runs with (Node's
// options, glibc's malloc settings). Used by
// the Pulumi program (infra/) and by `npm run bench` (the deployed bundle's import time, and the
// function path run with the deployed Node options).
import { createHash } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The deployed package.json: only the framework, pinned to the version the tests ran against. */
export function functionPackageJson(frameworkVersion) {
  return `${JSON.stringify(
    {
      name: 'log-audit-function',
      private: true,
      main: 'index.js',
      // The same major as the runtime the functions deploy on (FUNCTION_RUNTIME in infra/).
      engines: { node: '24.x' },
      dependencies: { '@google-cloud/functions-framework': frameworkVersion },
    },
    null,
    2,
  )}\n`;
}

/**
 * NODE_OPTIONS of the deployed functions (Google's Node.js buildpack prepends its own
 * --max-old-space-size, sized from the memory limit). Semi-spaces of 8 MiB instead of V8's default,
 * which lets the young generation grow to tens of MiB while a batch's first sightings survive
 * scavenges: on the 300 MB flow shard the function's read path ran 8 full collections with the
 * default and 2 with this (--trace-gc; a young generation that fits the CPU's caches may be the rest).
 * Measured on that path (auditObject over @google-cloud/storage, loopback GCS server, two runs each,
 * alternating): the 300 MB flow shard 2.75-2.89 -> 2.08-2.17 s at 333-358 -> 253 MiB (a later pair:
 * 1.89-2.31 -> 1.50 s, CPU 3.1-3.7 -> 2.2 s); the 1 GiB GCS shard 11.2-11.3 -> 8.6 s, CPU 15.1-15.5
 * -> 9.8-10.0 s, 386-392 -> 222-295 MiB. Where the scan allocates little (the 1 GiB small pool) the
 * time is within noise (5.4-5.5 -> 4.7-5.2 s, then 3.6-5.0 -> 4.0-4.3 s), and the download alone
 * gains nothing: its 64 KiB buffers force 31-39 full collections a GiB either way.
 */
export const FUNCTION_NODE_OPTIONS = '--max-semi-space-size=8';

/**
 * glibc's malloc settings for the deployed functions (GLIBC_TUNABLES; the nodejs24 runtime is Ubuntu
 * 24.04, glibc 2.39). A download arrives as 64 KiB socket reads, each a new malloc'd buffer, freed
 * together at each young collection (core/read/young-collections.ts). With glibc's defaults the
 * freed top of the heap went back to the kernel (trim threshold 128 KiB) and was faulted in again
 * page by page: on the 1 GiB small pool, 48,000-71,000 minor page faults on the function path
 * against 14,000 for the CLI's scan of the same file; on the 1 GiB GCS shard up to 114,000, with
 * 2.0-2.3 s of system time. A trim threshold of 64 MiB keeps those pages. Setting it turns off
 * glibc's dynamic mmap threshold, which lets gunzip's 1 MiB output chunks come from the heap after
 * the first: with the trim threshold alone the gzipped shard took 155,000-204,000 faults and
 * 5.6-6.9 s (4.1-4.9 s with the defaults). So the mmap threshold is set as well, to 4 MiB.
 *
 * Measured on the function path (auditObject over @google-cloud/storage from the loopback GCS
 * server in another process; runs alternating with the defaults; faults and system time from
 * process.resourceUsage):
 * - production cluster 1 GiB (4 pairs): 4.98-7.26 -> 4.56-4.68 s, 48,000-70,000 -> 33,000-34,000 faults;
 * - production cluster 300 MB (4 pairs): 2.11-3.01 -> 1.80-2.05 s, system time 0.61-0.91 -> 0.43-0.60 s;
 * - production cluster 1 GiB .json.gz (3 pairs): 4.05-4.50 -> 3.81-4.40 s;
 * - GCS 1 GiB (2 pairs): 10.7-10.8 -> 8.5-9.0 s, 113,000-114,000 -> 52,000 faults, system time
 *   2.0-2.3 -> 1.0-1.1 s;
 * - small pool 1 GiB (3 pairs): within noise (3.6-5.7 s either way), 48,000-71,000 -> 30,000-31,000 faults.
 * Peak RSS within 11 MiB of the defaults (GCS 213 -> 222-224 MiB). Where glibc is not the C
 * library, the variable is ignored.
 */
export const FUNCTION_GLIBC_TUNABLES = 'glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=4194304';

/** The environment every deployed function starts with (before its own variables). */
export const FUNCTION_ENVIRONMENT = Object.freeze({ NODE_OPTIONS: FUNCTION_NODE_OPTIONS, GLIBC_TUNABLES: FUNCTION_GLIBC_TUNABLES });

/**
 * Files the bundle reads beside itself at run time: PostgreSQL's parser (libpg-query) is WebAssembly,
 * which its loader reads from the directory of the code that loads it (`__dirname`, here index.js's).
 */
export const FUNCTION_RUNTIME_FILES = [{ name: 'libpg-query.wasm', from: 'node_modules/libpg-query/wasm/libpg-query.wasm' }];

/**
 * Worker threads the function starts, each bundled on its own beside index.js under `name`: the
 * download thread (functions/src/function/download-thread.ts finds it there).
 */
export const FUNCTION_WORKERS = [{ name: 'download-worker.js', entry: 'functions/src/function/download-worker.ts' }];

/** Returns the bundled code and its sha256. */
export async function bundleFunction() {
  return bundleEntry('functions/src/function/index.ts');
}

/** The bundled workers (FUNCTION_WORKERS), each with its name beside index.js. */
export async function bundleFunctionWorkers() {
  return Promise.all(FUNCTION_WORKERS.map(async ({ name, entry }) => ({ name, ...(await bundleEntry(entry)) })));
}

/**
 * Writes `entry` bundled as the function is, as `dir`/index.js, with what the function finds beside
 * it at run time: its workers and its runtime files (the bench's function path, and tests that run
 * a bundle from its own folder).
 */
export async function writeFunctionBundle(dir, entry) {
  await writeFile(join(dir, 'index.js'), (await bundleEntry(entry)).code);
  for (const worker of await bundleFunctionWorkers()) {
    await writeFile(join(dir, worker.name), worker.code);
    if (worker.legal) await writeFile(join(dir, `${worker.name}.LEGAL.txt`), worker.legal);
  }
  for (const file of FUNCTION_RUNTIME_FILES) await copyFile(join(root, file.from), join(dir, file.name));
}

/** One entry point bundled as the function is (tests bundle a module the same way to run it from its own folder). */
export async function bundleEntry(entry) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['@google-cloud/functions-framework'],
    // CommonJS has no import.meta: the bundle's folder is its __dirname (download-thread.ts finds
    // its worker's bundle there).
    define: { 'import.meta.dirname': '__dirname' },
    minify: true,
    legalComments: 'linked',
    write: false,
    outdir: 'functions/dist/function',
    logLevel: 'warning',
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const legal = result.outputFiles.find((f) => f.path.endsWith('.LEGAL.txt'));
  return { code: code.text, legal: legal?.text ?? '', sha256: createHash('sha256').update(code.text).digest('hex') };
}
