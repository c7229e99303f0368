import { describe, expect, it } from 'vitest';
import { CompiledBaseline } from '../../../functions/src/core/baseline/matcher.js';
import type { Baseline } from '../../../functions/src/core/baseline/schema.js';
import type { Credential } from '../../../functions/src/core/access-event.js';
import { buildSource } from '../../../functions/src/core/source-identity.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const iam = (key: string): Credential => ({ key, type: 'iam' });

function compiled(pairs: Baseline['pairs']): CompiledBaseline {
  const baseline: Baseline = { version: 1, kind: 'gcs', target: 'acme-data', sources: [], credentials: [], pairs };
  return new CompiledBaseline({ file: 'baselines/gcs/acme-data.yaml', baseline }, NOW);
}

describe('CompiledBaseline pairs', () => {
  const from = (ip: string) => buildSource({ ip });

  it('tries the pair entries that cover a credential in file order, exact and globs alike', () => {
    const b = compiled([
      { credential: '*@acme.iam.gserviceaccount.com', source: 'ip:10.0.0.1' },
      { credential: 'etl@acme.iam.gserviceaccount.com', source: 'ip:10.0.0.2' },
      { credential: 'etl@acme.iam.gserviceaccount.com', source: 'cidr:10.1.0.0/16' },
      { credential: 'etl@*', source: 'ip:10.0.0.3' },
    ]);
    const etl = iam('etl@acme.iam.gserviceaccount.com');
    expect(b.matchPair(etl, from('10.0.0.1'))).toBe('*@acme.iam.gserviceaccount.com from ip:10.0.0.1');
    expect(b.matchPair(etl, from('10.0.0.2'))).toBe('etl@acme.iam.gserviceaccount.com from ip:10.0.0.2');
    expect(b.matchPair(etl, from('10.1.2.3'))).toBe('etl@acme.iam.gserviceaccount.com from cidr:10.1.0.0/16');
    expect(b.matchPair(etl, from('10.0.0.3'))).toBe('etl@* from ip:10.0.0.3');
    expect(b.matchPair(etl, from('10.0.0.4'))).toBeUndefined();
    // Sources the credential is known from: the entries' in file order.
    expect(b.pairSourcesOf(etl, 10)).toEqual(['ip:10.0.0.1', 'ip:10.0.0.2', 'cidr:10.1.0.0/16', 'ip:10.0.0.3']);
    // Another credential of the project: only the first glob covers it.
    expect(b.matchPair(iam('web@acme.iam.gserviceaccount.com'), from('10.0.0.2'))).toBeUndefined();
    expect(b.pairSourcesOf(iam('web@acme.iam.gserviceaccount.com'))).toEqual(['ip:10.0.0.1']);
  });

  it('puts an exact entry before the globs that follow it in the file', () => {
    const b = compiled([
      { credential: 'etl@acme.iam.gserviceaccount.com', source: 'ip:10.0.0.1' },
      { credential: '*@acme.iam.gserviceaccount.com', source: 'ip:10.0.0.1' },
    ]);
    expect(b.matchPair(iam('etl@acme.iam.gserviceaccount.com'), from('10.0.0.1'))).toBe('etl@acme.iam.gserviceaccount.com from ip:10.0.0.1');
  });

  it('leaves out pair entries whose expires has passed', () => {
    const b = compiled([
      { credential: 'etl@acme.iam.gserviceaccount.com', source: 'ip:10.0.0.1', expires: '2026-05-01' },
      { credential: 'etl@acme.iam.gserviceaccount.com', source: 'ip:10.0.0.2', expires: '2026-07-01' },
    ]);
    const etl = iam('etl@acme.iam.gserviceaccount.com');
    expect(b.matchPair(etl, from('10.0.0.1'))).toBeUndefined();
    expect(b.matchPair(etl, from('10.0.0.2'))).toBe('etl@acme.iam.gserviceaccount.com from ip:10.0.0.2');
  });
});
