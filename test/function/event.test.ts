/** The trigger's CloudEvent, as test/fixtures/formats holds it: validated with int64 fields as strings. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_PREFIXES } from '../../functions/src/function/config.js';
import { batchKey, FINALIZED, isLogExport, storageEventSchema } from '../../functions/src/function/event.js';
import { formatFixtures } from '../support/fixtures.js';

const json = async (file: string) => JSON.parse(await readFile(join(formatFixtures, file), 'utf8')) as Record<string, unknown>;

describe('storage CloudEvent', () => {
  it('the structured event validates: a finalized log export, keyed by bucket/name#generation', async () => {
    const event = storageEventSchema.parse(await json('storage-finalized-cloudevent.json'));
    expect(event.type).toBe(FINALIZED);
    expect(isLogExport(event.data.name, DEFAULT_LOG_PREFIXES)).toBe(true);
    expect(batchKey(event.data)).toBe('example-log-exports/cloudaudit.googleapis.com/data_access/2025/03/03/01:00:00_01:59:59_S0.json#1741000000000001');
  });

  it('the full object resource (what binary mode posts as the body) validates as data, size and generation as strings', async () => {
    const data = await json('storage-object-data.json');
    const event = storageEventSchema.parse({ id: '1', type: FINALIZED, data });
    expect(event.data).toMatchObject({ generation: '1741000000000001', size: '7584' });
    expect(storageEventSchema.safeParse({ id: '1', type: FINALIZED, data: { ...data, generation: 'x1' } }).success).toBe(false);
  });

  it('both flow-log routes are log exports by default; other names are not', () => {
    for (const name of ['compute.googleapis.com/vpc_flows/2026/03/03/01:00:00_01:59:59_S0.json', 'networkmanagement.googleapis.com/vpc_flows/2026/03/03/01:00:00_01:59:59_S0.json']) {
      expect(isLogExport(name, DEFAULT_LOG_PREFIXES), name).toBe(true);
    }
    expect(isLogExport('networkmanagement.googleapis.com/other/2026/03/03/01:00:00_01:59:59_S0.json', DEFAULT_LOG_PREFIXES)).toBe(false);
  });
});
