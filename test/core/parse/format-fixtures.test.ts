/**
 * Every sample line in test/fixtures/formats (one per log shape, as a sink writes it) is read by the
 * CLI's reader into the access events its fields say: kind, target, source, credential, outcome.
 * The expected values are read off the fixture lines themselves (see test/fixtures/README.md).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFixtures, linesAddUp, scanBytes } from '../../support/fixtures.js';

const cases: { file: string; lines: number; events: string[] }[] = [
  { file: 'gcs-data-access.jsonl', lines: 2, events: ['gcs example-bucket ip:203.0.113.7 sa@example-project.iam.gserviceaccount.com success', 'gcs example-bucket ip:198.51.100.23 intruder@example.com failure'] },
  { file: 'cloudsql-connect-activity.jsonl', lines: 1, events: ['cloudsql example-project:example-mysql ip:203.0.113.7 sa@example-project.iam.gserviceaccount.com success'] },
  { file: 'cloudsql-iam-login.jsonl', lines: 1, events: ['cloudsql example-project:example-pg ip:10.8.0.12 sa@example-project.iam.gserviceaccount.com success'] },
  { file: 'cloudsql-mysql-audit.jsonl', lines: 1, events: ['cloudsql example-project:example-mysql ip:203.0.113.7 db-user:root failure'] },
  { file: 'cloudsql-pgaudit.jsonl', lines: 1, events: ['cloudsql example-project:example-pg unrecorded db-user:alice success'] },
  // received + authorized of one pid join into one event; the failed password of another pid has no address.
  { file: 'cloudsql-postgres-log.jsonl', lines: 3, events: ['cloudsql example-project:example-pg ip:203.0.113.7 db-user:app_user success', 'cloudsql example-project:example-pg unrecorded db-user:postgres failure'] },
  { file: 'vpc-flows.jsonl', lines: 3, events: ['vpc-flow example-project/default/10.87.40.76:5601 ip:203.0.113.12 - success', 'vpc-flow gke:example-cluster/prod/backend:8080 gke:example-cluster/prod - success', 'vpc-flow example-project/example-vpc/10.120.0.4:6379 vm:example-project/app-vm-1 - success'] },
  // Flow logs configured through the Network Management API: same body, another log name and resource type.
  { file: 'vpc-flows-network-management.jsonl', lines: 2, events: ['vpc-flow example-project/prod/10.120.0.4:6379 vm:example-project/app-vm-2 - success', 'vpc-flow 10.120.0.4:6379 ip:192.168.40.7 - success'] },
];

describe('format fixtures', () => {
  it.each(cases)('$file: every line is read, none bad or unknown, into the events its fields say', async ({ file, lines, events }) => {
    const { events: read, stats } = await scanBytes(await readFile(join(formatFixtures, file)), { file });
    expect(stats).toMatchObject({ lines, bad: 0, unknown: 0, skipped: 0 });
    expect(linesAddUp(stats)).toBe(true);
    expect(read.map((e) => `${e.kind} ${e.target} ${e.source.key} ${e.credential?.key ?? '-'} ${e.outcome}`)).toEqual(events);
  });
});
