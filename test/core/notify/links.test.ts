/** Logs Explorer queries for findings, as on-call opens them. */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../functions/src/core/detect/finding.js';
import { findingQuery } from '../../../functions/src/core/notify/links.js';

const flow = (target: string): Finding =>
  ({ kind: 'vpc-flow', target, source: 'vm:acme-payments/app-1', credential: null, firstSeen: '2026-03-02T10:00:00Z', lastSeen: '2026-03-02T10:05:00Z' }) as Finding;

describe('findingQuery', () => {
  it('a flow target within a network asks for both routes, the address, the port and that network only', () => {
    expect(findingQuery(flow('acme-payments/prod/10.120.0.4:6379')).split('\n')).toEqual([
      '(log_id("compute.googleapis.com/vpc_flows") OR log_id("networkmanagement.googleapis.com/vpc_flows"))',
      '(jsonPayload.connection.dest_ip="10.120.0.4" OR jsonPayload.connection.src_ip="10.120.0.4")',
      '(jsonPayload.src_vpc.project_id="acme-payments" OR jsonPayload.dest_vpc.project_id="acme-payments")',
      '(jsonPayload.src_vpc.vpc_name="prod" OR jsonPayload.dest_vpc.vpc_name="prod")',
      '(jsonPayload.connection.dest_port=6379 OR jsonPayload.connection.src_port=6379)',
      'jsonPayload.src_instance.vm_name="app-1"',
    ]);
  });

  it('an address without a network, and an IPv6 one, keep the address filter only', () => {
    expect(findingQuery(flow('10.120.0.4:6379'))).not.toContain('vpc_name');
    expect(findingQuery(flow('[fd00::5]:6379'))).toContain('jsonPayload.connection.dest_ip="fd00::5"');
  });
});
