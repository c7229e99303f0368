/**
 * A source's key and identities: the fast path groups a line by sourceKey alone and builds the
 * identities only when a group needs them, so the two must always agree.
 */
import { describe, expect, it } from 'vitest';
import type { SourceDetails } from '../../functions/src/core/access-event.js';
import { buildSource, sourceKey } from '../../functions/src/core/source-identity.js';

const ips = [undefined, '', '10.1.2.3', '2001:db8:1:2::9', 'private', 'gce-internal-ip', 'not-an-address'];
const gkes = [undefined, { cluster: 'prod' }, { cluster: 'prod', namespace: 'payments', pod: 'payments-7d9f-x2x4q' }];
const vms = [undefined, { name: 'gke-prod-pool-1-1a2b3c4d-x9zq', project: 'acme' }, { name: 'batch-1' }, { name: 'batch-2', project: 'acme', zone: 'us-central1-a' }];
const vpcs = [undefined, {}, { network: 'prod-vpc' }, { network: 'prod-vpc', subnetwork: 'gke-nodes', project: 'acme' }, { project: 'acme' }];
const locations = [undefined, {}, { asn: 15169 }, { country: 'usa' }, { asn: 0, country: 'deu' }];

function* allDetails(): Generator<SourceDetails> {
  for (const ip of ips)
    for (const gke of gkes)
      for (const vm of vms)
        for (const vpc of vpcs)
          for (const location of locations) {
            const details: SourceDetails = {};
            if (ip !== undefined) details.ip = ip;
            if (gke) details.gke = gke;
            if (vm) details.vm = vm;
            if (vpc) details.vpc = vpc;
            if (location) details.location = location;
            yield details;
          }
}

/** The rule, stated apart from the code: the key is the most specific kind of identity the details give. */
const MOST_SPECIFIC_FIRST = [/^gke:[^/]+\/./, /^gke:/, /^gke-pool:/, /^vm:/, /^cidr:/, /^(ip|token):/, /^subnet:[^*]+$/, /^subnet:/, /^asn:/, /^country:/];
function bestIdentity(identities: readonly string[]): string {
  for (const kind of MOST_SPECIFIC_FIRST) {
    const identity = identities.find((id) => kind.test(id));
    if (identity !== undefined) return identity;
  }
  return 'unrecorded';
}

describe('source identity', () => {
  it('keys every combination of details by its most specific identity, first among distinct identities', () => {
    let count = 0;
    for (const details of allDetails()) {
      const source = buildSource(details);
      expect(sourceKey(details), JSON.stringify(details)).toBe(bestIdentity(source.identities));
      expect(source.key).toBe(sourceKey(details));
      expect(source.identities[0]).toBe(source.key);
      expect(new Set(source.identities).size).toBe(source.identities.length);
      count++;
    }
    expect(count).toBe(2100);
  });

  it('names a pod by its workload, a node by its pool, an IPv6 client by its /64, a redacted caller by its token', () => {
    expect(buildSource({ ip: '10.44.1.10', gke: { cluster: 'prod', namespace: 'payments', pod: 'p' }, vm: { name: 'gke-prod-pool-1-1a2b3c4d-x9zq', project: 'acme' }, vpc: { network: 'prod-vpc', subnetwork: 'gke-nodes' } }).identities).toEqual([
      'gke:prod/payments',
      'ip:10.44.1.10',
      'gke:prod',
      'vm:acme/gke-prod-pool-1-1a2b3c4d-x9zq',
      'gke-pool:acme/gke-prod-pool-1',
      'subnet:prod-vpc/gke-nodes',
      'subnet:prod-vpc/*',
    ]);
    expect(buildSource({ ip: '10.40.0.20', vm: { name: 'batch-1' } }).identities).toEqual(['vm:-/batch-1', 'ip:10.40.0.20']);
    expect(buildSource({ ip: '2001:db8:1:2:a:b:c:d', location: { asn: 15169 } }).identities).toEqual(['cidr:2001:db8:1:2::/64', 'ip:2001:db8:1:2:a:b:c:d', 'asn:15169']);
    expect(buildSource({ ip: 'private' }).identities).toEqual(['token:private']);
    expect(buildSource({ vpc: { network: 'prod-vpc' }, location: { country: 'usa' } }).identities).toEqual(['subnet:prod-vpc/*', 'country:usa']);
    expect(buildSource({}).identities).toEqual(['unrecorded']);
  });
});
