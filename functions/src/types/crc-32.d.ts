/** The CRC32C module of the `crc-32` package (a CommonJS module; same API as its typed CRC32 main module). */
declare module 'crc-32/crc32c.js' {
  const CRC32C: { buf(data: Uint8Array, seed?: number): number };
  export default CRC32C;
}
