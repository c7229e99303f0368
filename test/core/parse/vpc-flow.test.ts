import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { baselineSchema } from '../../../functions/src/core/baseline/schema.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import { parse, parseEvent, sampleEntries, variant } from '../../support/fixtures.js';

let internetToKibana: Record<string, any>;
let podToPod: Record<string, any>;
let vmToRedis: Record<string, any>;

beforeAll(async () => {
  [internetToKibana, podToPod, vmToRedis] = (await sampleEntries('vpc-flows.jsonl')) as Record<string, any>[] as [any, any, any];
});

describe('VPC flow parser', () => {
  it('identifies a VM client of Memorystore by its name', () => {
    const event = parseEvent(vmToRedis);
    // Memorystore reports no network of its own: its private address is named within the client's VPC.
    expect(event).toMatchObject({ kind: 'vpc-flow', target: 'example-project/example-vpc/10.120.0.4:6379', action: 'tcp/6379', credential: null, time: '2025-03-03T05:00:00.2Z' });
    expect(event.source.key).toBe('vm:example-project/app-vm-1');
    expect(event.source.identities).toEqual(expect.arrayContaining(['ip:10.128.0.21', 'subnet:example-vpc/app-subnet', 'subnet:example-vpc/*']));
  });

  it('names a GKE pod destination by its service, and identifies a pod client by cluster/namespace', () => {
    const event = parseEvent(podToPod);
    expect(event.target).toBe('gke:example-cluster/prod/backend:8080');
    expect(event.source.key).toBe('gke:example-cluster/prod');
    expect(event.source.details.gke).toMatchObject({ pod: 'frontend-7b8d9c6f4-xk2qm' });
  });

  it('orients a response record: the listening end (kibana :5601) is the target, the internet peer the source', () => {
    const event = parseEvent(internetToKibana);
    expect(event.target).toBe('example-project/default/10.87.40.76:5601');
    expect(event.source.key).toBe('ip:203.0.113.12');
    expect(event.source.details.location).toMatchObject({ asn: 15169, country: 'usa' });
    expect(event.source.identities).toContain('asn:15169');
  });

  it.each([
    ['a service port facing a low client port', 6379, 2000, true],
    ['a client port facing a service port', 2000, 6379, false],
    ['an unknown low port facing an ephemeral one', 9000, 40000, true],
    ['two unknown low ports (the destination serves)', 9000, 9001, false],
  ])('orients %s', (_n, srcPort, destPort, response) => {
    const event = parseEvent(
      variant(vmToRedis, (e) => {
        e.jsonPayload.connection.src_port = srcPort;
        e.jsonPayload.connection.dest_port = destPort;
      }),
    );
    expect(event.target).toBe(response ? `example-project/example-vpc/10.128.0.21:${srcPort}` : `example-project/example-vpc/10.120.0.4:${destPort}`);
  });

  it('names a private destination within its network: two projects reusing one range are two targets', () => {
    const inProject = (project: string, network: string) =>
      parseEvent(
        variant(vmToRedis, (e) => {
          e.jsonPayload.src_vpc = { project_id: project, vpc_name: network, subnetwork_name: 'app' };
          e.jsonPayload.src_instance.project_id = project;
        }),
      );
    const a = inProject('acme-payments', 'prod');
    const b = inProject('acme-analytics', 'prod');
    expect(a.target).toBe('acme-payments/prod/10.120.0.4:6379');
    expect(b.target).toBe('acme-analytics/prod/10.120.0.4:6379');
    // A server with a network of its own is named within it; without any VPC metadata, by address alone.
    const ownNetwork = parseEvent(variant(vmToRedis, (e) => (e.jsonPayload.dest_vpc = { project_id: 'acme-host', vpc_name: 'shared', subnetwork_name: 'db' })));
    expect(ownNetwork.target).toBe('acme-host/shared/10.120.0.4:6379');
    expect(parseEvent(variant(vmToRedis, (e) => delete e.jsonPayload.src_vpc)).target).toBe('10.120.0.4:6379');
    // One project's baseline says nothing about the other's Redis at the same address.
    const learner = new Learner();
    learner.add(a);
    const baselines = learner.result().map((t) => ({ file: 'b.yaml', baseline: baselineSchema.parse({ version: 1, kind: t.kind, target: t.target, sources: [...t.sources.keys()].map((match) => ({ match })) }) }));
    const auditor = new BatchAuditor(baselines, { now: Date.parse('2025-03-04T00:00:00Z') });
    auditor.add(a);
    auditor.add(b);
    expect(auditor.findings().map((f) => [f.type, f.target])).toEqual([['not-baselined', 'acme-analytics/prod/10.120.0.4:6379']]);
  });

  it('a record without VPC metadata is judged as the one network that baselines its address, never as one of several', () => {
    const fromInternet = parseEvent(
      variant(vmToRedis, (e) => {
        delete e.jsonPayload.src_vpc;
        delete e.jsonPayload.src_instance;
        e.jsonPayload.connection.src_ip = '198.51.100.99';
      }),
    );
    expect(fromInternet.target).toBe('10.120.0.4:6379');
    const baseline = (target: string) => ({ file: `${target}.yaml`, baseline: baselineSchema.parse({ version: 1, kind: 'vpc-flow', target, sources: [{ match: 'vm:acme-payments/app-vm-1' }] }) });
    const one = new BatchAuditor([baseline('acme-payments/prod/10.120.0.4:6379')], { now: Date.parse('2025-03-04T00:00:00Z') });
    one.add(fromInternet);
    expect(one.findings().map((f) => [f.type, f.target, f.source])).toEqual([['new-source', 'acme-payments/prod/10.120.0.4:6379', 'ip:198.51.100.99']]);
    const two = new BatchAuditor([baseline('acme-payments/prod/10.120.0.4:6379'), baseline('acme-analytics/prod/10.120.0.4:6379')], { now: Date.parse('2025-03-04T00:00:00Z') });
    two.add(fromInternet);
    expect(two.findings().map((f) => [f.type, f.target])).toEqual([['not-baselined', '10.120.0.4:6379']]);
  });

  it('learn folds records without VPC metadata into the one network known for the address, and only then', () => {
    const withVpc = (project: string) => parseEvent(variant(vmToRedis, (e) => (e.jsonPayload.src_vpc = { project_id: project, vpc_name: 'prod', subnetwork_name: 'app' })));
    const bare = parseEvent(
      variant(vmToRedis, (e) => {
        delete e.jsonPayload.src_vpc;
        delete e.jsonPayload.src_instance;
        e.jsonPayload.connection.src_ip = '10.9.9.9';
      }),
    );
    const one = new Learner();
    [withVpc('acme-payments'), bare].forEach((e) => one.add(e));
    const learned = one.result();
    expect(learned.map((t) => t.target)).toEqual(['acme-payments/prod/10.120.0.4:6379']);
    expect([...learned[0]!.sources.keys()].sort()).toEqual(['ip:10.9.9.9', 'vm:example-project/app-vm-1']);
    // Two networks use the address: the bare records keep their own name.
    const two = new Learner();
    [withVpc('acme-payments'), withVpc('acme-analytics'), bare].forEach((e) => two.add(e));
    expect(two.result().map((t) => t.target).sort()).toEqual(['10.120.0.4:6379', 'acme-analytics/prod/10.120.0.4:6379', 'acme-payments/prod/10.120.0.4:6379']);
    // Re-learning the same records into the file they made adds no count.
    const file = { file: 'f.yaml', baseline: baselineSchema.parse({ version: 1, kind: 'vpc-flow', target: 'acme-payments/prod/10.120.0.4:6379', sources: [...learned[0]!.sources].map(([match, ev]) => ({ match, count: ev.count, firstSeen: ev.firstSeen, lastSeen: ev.lastSeen })) }) };
    const again = new Learner([file]);
    [withVpc('acme-payments'), bare].forEach((e) => again.add(e));
    expect([...again.result()[0]!.sources.values()].map((ev) => ev.newCount)).toEqual([0, 0]);
  });

  it('skips flows whose server end is outside our networks', () => {
    const outbound = variant(vmToRedis, (e) => (e.jsonPayload.connection.dest_ip = '142.250.72.78'));
    expect(parse(outbound)).toMatchObject({ status: 'skipped' });
  });

  it('groups replaced GKE nodes by pool', () => {
    const a = parseEvent(variant(vmToRedis, (e) => (e.jsonPayload.src_instance.vm_name = 'gke-prod-default-pool-1a2b3c4d-xk2q')));
    const b = parseEvent(variant(vmToRedis, (e) => (e.jsonPayload.src_instance.vm_name = 'gke-prod-default-pool-c0ffee42-p9sd')));
    expect(a.source.key).toBe('gke-pool:example-project/gke-prod-default-pool');
    expect(b.source.key).toBe(a.source.key);
  });

  it('uses the receive timestamp when start_time is missing', () => {
    expect(parseEvent(variant(vmToRedis, (e) => delete e.jsonPayload.start_time)).time).toBe('2025-03-03T05:00:11.0Z');
  });

  it.each([
    ['connection missing', (e: any) => delete e.jsonPayload.connection],
    ['port out of range', (e: any) => (e.jsonPayload.connection.dest_port = 70000)],
    ['port as a string', (e: any) => (e.jsonPayload.connection.dest_port = '6379')],
    ['src_ip null', (e: any) => (e.jsonPayload.connection.src_ip = null)],
  ])('reports a bad flow when %s', (_n, change) => {
    expect(parse(variant(vmToRedis, change)).status).toBe('bad');
  });

  it('counts a jsonPayload of another log as unknown', () => {
    expect(parse(variant(vmToRedis, (e) => (e.logName = 'projects/p/logs/something-else'))).status).toBe('unknown');
  });
});
