/** The CRC32C module of the `crc-32` package (same API as its CRC32 main module, which ships types). */
declare module 'crc-32/crc32c' {
  export function buf(data: Uint8Array, seed?: number): number;
}
