// Bundles the Cloud Function into one CommonJS file with esbuild: our code and its libraries, minus
// @google-cloud/functions-framework, which the runtime installs from the deployed package.json and
// which must be the same instance that loads our registration. Used by the Pulumi program (infra/)
// and by `npm run bench` (import time of the deployed bundle).
import { createHash } from 'node:crypto';
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
 * whose young generation grew to tens of MiB during a batch and, scavenged rarely, let the object
 * download's chunk buffers pile up until they forced full collections (31-36 mark-compacts per GiB
 * downloaded; 8-9 with small semi-spaces). Measured on the function's own read path (auditObject over
 * @google-cloud/storage, loopback GCS server, 2 runs each): the 300 MB flow shard 2.75-2.89 s ->
 * 2.08-2.17 s at 333-358 -> 253 MiB; the 1 GiB GCS shard 11.2-11.3 -> 8.6 s, CPU 15.1-15.5 -> 9.8-10.0
 * s, 386-392 -> 222-295 MiB; the 1 GiB small-pool flows 5.4-5.5 -> 4.7-5.2 s.
 */
export const FUNCTION_NODE_OPTIONS = '--max-semi-space-size=8';

/**
 * Files the bundle reads beside itself at run time: PostgreSQL's parser (libpg-query) is WebAssembly,
 * which its loader reads from the directory of the code that loads it (`__dirname`, here index.js's).
 */
export const FUNCTION_RUNTIME_FILES = [{ name: 'libpg-query.wasm', from: 'node_modules/libpg-query/wasm/libpg-query.wasm' }];

/** Returns the bundled code and its sha256. */
export async function bundleFunction() {
  return bundleEntry('functions/src/function/index.ts');
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
