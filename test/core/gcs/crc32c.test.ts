/**
 * The faster CRC32C gives the library's values, so downloads are validated as before — and a
 * download whose bytes do not match the object's x-goog-hash is still refused.
 */
import { CRC32C, Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastCrc32c } from '../../../functions/src/core/gcs/crc32c.js';
import { FakeGcsServer } from '../../support/gcs-server.js';
import { rng } from '../../../examples/scenario.js';

describe('CRC32C for download validation', () => {
  it('equals @google-cloud/storage\'s CRC32C on data fed in uneven pieces', () => {
    const r = rng(7);
    for (const size of [0, 1, 3, 4, 7, 8, 15, 16, 17, 255, 4096, 100_003]) {
      const data = Buffer.from(Array.from({ length: size }, () => Math.floor(r() * 256)));
      const ours = fastCrc32c();
      const theirs = new CRC32C();
      for (let at = 0; at < size; ) {
        const piece = data.subarray(at, at + 1 + Math.floor(r() * 5000));
        ours.update(piece);
        theirs.update(piece);
        at += piece.length;
      }
      expect(ours.toString(), `size ${size}`).toBe(theirs.toString());
      expect(ours.validate(theirs.toString())).toBe(true);
    }
    expect(fastCrc32c().validate('AAAAAA==')).toBe(true); // the CRC32C of no bytes is 0
  });

  describe('through the storage client', () => {
    const server = new FakeGcsServer();
    let storage: Storage;
    beforeAll(async () => {
      process.env['STORAGE_EMULATOR_HOST'] = await server.start();
      storage = new Storage({ projectId: 'test', crc32cGenerator: fastCrc32c, retryOptions: { autoRetry: false } });
    });
    afterAll(async () => {
      delete process.env['STORAGE_EMULATOR_HOST'];
      await server.stop();
    });

    const download = async (name: string) => {
      const chunks: Buffer[] = [];
      for await (const chunk of storage.bucket('b').file(name).createReadStream()) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };

    it('accepts an intact download and refuses one whose bytes changed after hashing', async () => {
      const data = Buffer.from('{"a":1}\n'.repeat(10_000));
      server.put('b', 'intact.json', data);
      expect((await download('intact.json')).equals(data)).toBe(true);
      server.put('b', 'changed.json', Buffer.from(data));
      server.prepare('b', 'changed.json'); // hashes of the original bytes
      server.get('b', 'changed.json')!.data[5] = 0x32; // then the stored bytes change
      await expect(download('changed.json')).rejects.toThrow(/did not match/);
    });
  });
});
