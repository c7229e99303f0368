/**
 * SharedParts: what the remembered flow identities share must be exact (a source is shared only with
 * one of equal details) and must stop being shared where sharing does not pay.
 */
import { describe, expect, it } from 'vitest';
import type { Source, SourceDetails } from '../../../functions/src/core/access-event.js';
import { buildSource } from '../../../functions/src/core/source-identity.js';
import { detailsKey, sameDetails, SharedParts } from '../../../functions/src/core/parse/shared-parts.js';

const pod = (name: string, ip = '10.64.0.7'): Source =>
  buildSource({ ip, gke: { cluster: 'prod', location: 'us-central1', namespace: 'payments', pod: name }, vm: { name: 'gke-prod-pool-a-1234abcd-x1y2', project: 'acme', zone: 'us-central1-a' }, vpc: { project: 'acme', network: 'vpc', subnetwork: 'nodes' } });

describe('detailsKey', () => {
  it('differs wherever the details differ, whatever the fields hold', () => {
    const cases: SourceDetails[] = [
      {},
      { ip: '' },
      { ip: '10.0.0.1' },
      { ip: '10.0.0.1', viaCloudSqlProxy: true },
      { ip: '10.0.0.1', viaCloudSqlProxy: false },
      // Field boundaries: a separator or a length inside a value must not make two lists alike.
      { gke: { cluster: 'a', namespace: 'b' } },
      { gke: { cluster: 'a', location: 'b' } },
      { gke: { cluster: 'a~', namespace: '' } },
      { gke: { cluster: 'a', namespace: '~' } },
      { gke: { cluster: '1:a1:b' } },
      { gke: { cluster: '1:a', namespace: 'b' } },
      { gke: { cluster: 'a', location: 'b:~' } },
      { gke: { cluster: 'a:b', location: '~' } },
      { gke: { cluster: 'x', pod: 'p' } },
      { gke: { cluster: 'x', workload: 'p' } },
      { gke: { cluster: 'x', service: 'p' } },
      // … and pairs that differ in one field alone.
      { gke: { cluster: 'x', pod: 'q' } },
      { gke: { cluster: 'x', workload: 'q' } },
      { gke: { cluster: 'x', service: 'q' } },
      { vm: { name: 'm' } },
      { vm: { name: 'n' } },
      { vm: { name: 'n', project: 'p' } },
      { vm: { name: 'n', zone: 'p' } },
      { vpc: {} },
      { vpc: { project: 'p' } },
      { vpc: { network: 'p' } },
      { vpc: { subnetwork: 'p' } },
      { location: {} },
      { location: { asn: 15169 } },
      { location: { country: '15169' } },
      { location: { region: 'r' } },
      { location: { city: 'r' } },
      { location: { continent: 'r' } },
      { ip: '10.0.0.1', vm: { name: 'n' } },
      { ip: '10.0.0.1', gke: { cluster: 'n' } },
    ];
    const keys = cases.map(detailsKey);
    expect(new Set(keys).size).toBe(cases.length);
    // sameDetails agrees with detailsKey on every pair (SharedParts uses either), copies included.
    const copies = cases.map((d) => structuredClone(d));
    for (const [i, a] of cases.entries()) for (const [j, b] of copies.entries()) expect(sameDetails(a, b), `${i} ${j}`).toBe(keys[i] === keys[j]);
    // And equal details give equal keys, whatever object holds them.
    expect(detailsKey({ ip: '10.0.0.1', vm: { name: 'n', project: 'p' } })).toBe(detailsKey({ vm: { project: 'p', name: 'n' }, ip: '10.0.0.1' }));
  });
});

describe('SharedParts', () => {
  it('hands out one copy per distinct source, never the caller’s object', () => {
    const parts = new SharedParts();
    const first = pod('payments-7d4-abcde');
    const kept = parts.source(first);
    expect(kept).not.toBe(first);
    expect(kept.details.gke).not.toBe(first.details.gke);
    expect(kept).toEqual(first);
    expect(parts.source(pod('payments-7d4-abcde'))).toBe(kept);
    // Another pod, or the same pod at another address, is another source.
    const other = parts.source(pod('payments-7d4-fghij'));
    expect(other).not.toBe(kept);
    expect(other.details.gke?.pod).toBe('payments-7d4-fghij');
    expect(parts.source(pod('payments-7d4-abcde', '10.64.0.8'))).not.toBe(kept);
    // One address with other details (a pod's address reused by the next pod), then each again:
    // each finds its own copy, the second through its key.
    const reused = parts.source(pod('payments-7d4-zzzzz'));
    expect(reused).not.toBe(kept);
    expect(reused.details.gke?.pod).toBe('payments-7d4-zzzzz');
    expect(parts.source(pod('payments-7d4-zzzzz'))).toBe(reused);
    expect(parts.source(pod('payments-7d4-abcde'))).toBe(kept);
  });

  it('shares equal strings', () => {
    const parts = new SharedParts();
    const a = parts.string(['vpc-flow|', 'redis'].join(''));
    expect(parts.string(['vpc-flow', '|redis'].join(''))).toBe(a);
  });

  it('stops sharing sources once few lookups find one, and keeps sharing while most do', () => {
    const fresh = new SharedParts();
    for (let i = 0; i < 4_096; i++) fresh.source(pod(`one-off-${i}`));
    const again = pod('one-off-1');
    // Sharing has stopped: an equal source is a new copy.
    expect(fresh.source(again)).not.toBe(fresh.source(again));

    const cluster = new SharedParts();
    // Twelve identities per pod, as a pod talking to six destinations in both directions.
    for (let i = 0; i < 4_096; i++) cluster.source(pod(`pod-${i % 341}`));
    expect(cluster.source(pod('pod-1'))).toBe(cluster.source(pod('pod-1')));
  });
});
