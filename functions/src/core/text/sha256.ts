/**
 * SHA-256 of a text, in hex: finding ids, digest ids, statement fingerprints.
 *
 * node:crypto is loaded on the first hash, not with the module: loading it costs a CLI start ~8 ms
 * (measured spawn to exit, median of 40: 44.9 ms for `import { createHash }` and one hash against
 * 36.4 ms for an empty script), and a run whose batch has no findings never hashes.
 */
let createHash: typeof import('node:crypto').createHash | undefined;

export function sha256Hex(text: string): string {
  createHash ??= process.getBuiltinModule('node:crypto').createHash;
  return createHash('sha256').update(text).digest('hex');
}
