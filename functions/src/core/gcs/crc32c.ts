/**
 * CRC32C for validating object downloads, through the `crc-32` package (table-sliced, ~2 GB/s on
 * this machine) instead of @google-cloud/storage's default, which reads a byte at a time (~265 MB/s
 * here: slower than auditing the bytes it checks). Same values; the checks stay on.
 */
import type { CRC32CValidator, CRC32CValidatorGenerator } from '@google-cloud/storage';
import CRC32C from 'crc-32/crc32c.js';

export class FastCrc32c implements CRC32CValidator {
  private value = 0;

  update(data: Buffer): void {
    this.value = CRC32C.buf(data, this.value);
  }

  /** Base64 of the big-endian value, as in `x-goog-hash: crc32c=…`. */
  toString(): string {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32BE(this.value | 0);
    return bytes.toString('base64');
  }

  validate(value: string): boolean {
    return value === this.toString();
  }
}

export const fastCrc32c: CRC32CValidatorGenerator = () => new FastCrc32c();
