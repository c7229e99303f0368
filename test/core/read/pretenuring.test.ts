/**
 * Scan workers start with V8's allocation-site pretenuring off (core/read/pretenuring.ts): the flag
 * is asked for before any thread starts, a refused flag stops nothing, and a user's own setting stays.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScanWorkers } from '../../../functions/src/core/read/parallel-scan.js';
import { NO_PRETENURING_FLAG, pretenuringSetByUser, stopPretenuring } from '../../../functions/src/core/read/pretenuring.js';
import { repoRoot } from '../../support/fixtures.js';

const script = join(repoRoot, 'functions/dist/scan-worker.js');

describe('pretenuring with scan workers', () => {
  it('is turned off when a pool of scan workers is made, before its thread starts', async () => {
    const asked: string[] = [];
    const pool = new ScanWorkers(script, 1, (flags) => asked.push(flags));
    try {
      expect(asked).toEqual([NO_PRETENURING_FLAG]);
      expect(pool.running).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('says whether the flag was set, and a refused flag throws nothing', () => {
    const asked: string[] = [];
    expect(stopPretenuring((flags) => asked.push(flags))).toBe(true);
    expect(asked).toEqual(['--no-allocation-site-pretenuring']);
    expect(
      stopPretenuring(() => {
        throw new Error('flag refused');
      }),
    ).toBe(false);
  });

  it('a pool is still made where V8 refuses the flag', async () => {
    const pool = new ScanWorkers(script, 1, () => {
      throw new Error('flag refused');
    });
    try {
      expect(pool.running).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('recognizes a pretenuring flag of the user, wherever it is given', () => {
    expect(pretenuringSetByUser([], undefined)).toBe(false);
    expect(pretenuringSetByUser(['--enable-source-maps'], '--max-old-space-size=900')).toBe(false);
    expect(pretenuringSetByUser(['--allocation-site-pretenuring'], undefined)).toBe(true);
    expect(pretenuringSetByUser([], '--max-semi-space-size=8 --no-allocation_site_pretenuring')).toBe(true);
    expect(pretenuringSetByUser(['--allocation-site-pretenuring-extra'], undefined)).toBe(false);
  });
});
