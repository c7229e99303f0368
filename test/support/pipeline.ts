/**
 * The function wired to real parts on loopback: `@google-cloud/storage` (unmodified, through
 * STORAGE_EMULATOR_HOST) against FakeGcsServer, `@slack/webhook` against SlackReceiver, baselines
 * from a temp directory, and a controllable clock. `deliver` calls the handler directly (fake
 * clock); `deliverHttp` posts the CloudEvent to the real Functions Framework.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bundledBaselines } from '../../functions/src/function/baselines.js';
import { structuredLogger } from '../../functions/src/function/batch-log.js';
import { parseFunctionConfig } from '../../functions/src/function/config.js';
import { handleStorageEvent, type BatchOutcome, type HandlerDeps } from '../../functions/src/function/handler.js';
import { GcsStateStore } from '../../functions/src/function/state.js';
import type { HealthDeps } from '../../functions/src/function/health/check.js';
import { parseHealthConfig } from '../../functions/src/function/health/config.js';
import { storageClients } from '../../functions/src/core/gcs/storage-clients.js';
import { SlackNotifier } from '../../functions/src/core/notify/slack-notifier.js';
import { FakeGcsServer } from './gcs-server.js';
import { formatFixtures } from './fixtures.js';
import { SlackReceiver } from './slack-receiver.js';

export const LOG_BUCKET = 'example-log-exports';
export const STATE_BUCKET = 'example-log-audit-state';

/** What is normal for the fixture samples' bucket: the allowed line's caller and principal. */
export const EXAMPLE_BASELINE = `version: 1
kind: gcs
target: example-bucket
sources:
  - match: ip:203.0.113.7
credentials:
  - match: sa@example-project.iam.gserviceaccount.com
pairs:
  - credential: sa@example-project.iam.gserviceaccount.com
    source: ip:203.0.113.7
`;

export class FakeClock {
  constructor(public ms = Date.parse('2026-11-24T03:00:00Z')) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  /** A sleep that advances the clock instead of waiting; records what was asked. */
  readonly sleeps: number[] = [];
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
  };
  /**
   * A clock that starts at this fake time and then moves with real elapsed time, for paths that
   * really wait (slow reads, sockets, the Functions Framework's own requests). Only differences of
   * the monotonic clock are used, so the system date never matters.
   */
  running(): () => number {
    const anchor = this.ms;
    const started = performance.now();
    return () => anchor + Math.floor(performance.now() - started);
  }
}

export class Pipeline {
  readonly gcs = new FakeGcsServer();
  readonly slack = new SlackReceiver();
  readonly clock = new FakeClock();
  readonly logLines: string[] = [];
  baselinesDir = '';
  env: Record<string, string> = {};
  private dir = '';
  private hour = 0;
  private previousEmulator: string | undefined;

  async start(baseline = EXAMPLE_BASELINE): Promise<this> {
    this.previousEmulator = process.env['STORAGE_EMULATOR_HOST'];
    process.env['STORAGE_EMULATOR_HOST'] = await this.gcs.start();
    const webhook = await this.slack.start();
    this.dir = await mkdtemp(join(tmpdir(), 'log-audit-fn-'));
    this.baselinesDir = join(this.dir, 'baselines');
    await mkdir(join(this.baselinesDir, 'gcs'), { recursive: true });
    await writeFile(join(this.baselinesDir, 'gcs', 'example-bucket.yaml'), baseline);
    this.env = {
      STATE_BUCKET,
      SLACK_WEBHOOK_URL: webhook,
      BASELINES_DIR: this.baselinesDir,
      GCP_PROJECT: 'example-project',
      STORAGE_RETRY_SECONDS: '5',
      SLACK_TIMEOUT_MS: '2000',
      // These scenarios model a deployment past its learning period; the learning tests set their own.
      LEARNING_DAYS: '0',
    };
    return this;
  }

  async stop(): Promise<void> {
    await this.slack.stop();
    await this.gcs.stop();
    if (this.previousEmulator === undefined) delete process.env['STORAGE_EMULATOR_HOST'];
    else process.env['STORAGE_EMULATOR_HOST'] = this.previousEmulator;
    await rm(this.dir, { recursive: true, force: true });
  }

  private clients() {
    return storageClients({ projectId: 'example-project', retrySeconds: 5, maxRetries: 3, maxRetryDelay: 1 });
  }

  /** Collects what the function logs, for assertions and secret scans. */
  private logTransport(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.logLines.push(chunk.toString('utf8'));
        done();
      },
    });
  }

  /** Handler dependencies on the loopback parts, with the fake clock (sleeps advance it). */
  deps(overrides: Partial<HandlerDeps> = {}, env: Record<string, string> = {}): HandlerDeps {
    const config = parseFunctionConfig({ ...this.env, ...env });
    const clients = this.clients();
    return {
      config,
      storage: clients.downloads,
      state: new GcsStateStore(clients, config.STATE_BUCKET),
      notifier: new SlackNotifier(config.SLACK_WEBHOOK_URL, { attemptTimeoutMs: config.SLACK_TIMEOUT_MS, sleep: this.clock.sleep, now: this.clock.now }),
      baselines: () => bundledBaselines(config.BASELINES_DIR),
      logger: structuredLogger({ projectId: 'example-project', transport: this.logTransport() }),
      now: this.clock.now,
      sleep: this.clock.sleep,
      ...overrides,
    };
  }

  /** Health-check dependencies on the same loopback parts and fake clock. */
  healthDeps(env: Record<string, string> = {}): HealthDeps {
    const config = parseHealthConfig({ ...this.env, ...env });
    const clients = this.clients();
    return {
      config,
      state: new GcsStateStore(clients, config.STATE_BUCKET),
      notifier: new SlackNotifier(config.SLACK_WEBHOOK_URL, { attemptTimeoutMs: config.SLACK_TIMEOUT_MS, sleep: this.clock.sleep, now: this.clock.now }),
      baselines: () => bundledBaselines(config.BASELINES_DIR),
      logger: structuredLogger({ projectId: 'example-project', transport: this.logTransport(), logName: 'log-audit-health' }),
      now: this.clock.now,
    };
  }

  /** Writes an export object as a sink would; returns the CloudEvent for it. */
  putExport(lines: string[] | Buffer, name?: string): StorageCloudEvent {
    const objectName = name ?? this.nextName();
    const data = Buffer.isBuffer(lines) ? lines : Buffer.from(lines.map((l) => `${l}\n`).join(''));
    const generation = this.gcs.put(LOG_BUCKET, objectName, data);
    return this.event(objectName, generation, data.length);
  }

  nextName(): string {
    const h = String(this.hour++ % 24).padStart(2, '0');
    return `cloudaudit.googleapis.com/data_access/2026/11/24/${h}:00:00_${h}:59:59_S${Math.floor(this.hour / 24)}.json`;
  }

  event(name: string, generation: number, size = 0, overrides: Record<string, unknown> = {}): StorageCloudEvent {
    const time = new Date(this.clock.now()).toISOString();
    return {
      specversion: '1.0',
      type: 'google.cloud.storage.object.v1.finalized',
      source: `//storage.googleapis.com/projects/_/buckets/${LOG_BUCKET}`,
      subject: `objects/${name}`,
      id: `evt-${generation}`,
      time,
      datacontenttype: 'application/json',
      data: { bucket: LOG_BUCKET, name, generation: String(generation), metageneration: '1', contentType: 'application/json', size: String(size), timeCreated: time, updated: time, kind: 'storage#object' },
      ...overrides,
    };
  }

  deliver(event: unknown, deps = this.deps()): Promise<BatchOutcome> {
    return handleStorageEvent(event, deps);
  }

  markers(): { name: string; value: Record<string, unknown> }[] {
    return this.gcs.list(STATE_BUCKET, 'markers/').map((o) => ({ name: o.name, value: JSON.parse(o.data.toString('utf8')) as Record<string, unknown> }));
  }

  marker(event: StorageCloudEvent): Record<string, unknown> | undefined {
    const o = this.gcs.get(STATE_BUCKET, `markers/${LOG_BUCKET}/${event.data.name}#${event.data.generation}.json`);
    return o ? (JSON.parse(o.data.toString('utf8')) as Record<string, unknown>) : undefined;
  }

  /**
   * The invariants of reliability.md over everything in the state bucket: each generation ends done
   * or dead-lettered with a reason (or, when `finished` is false, may still hold its pending digest or
   * be handed back for a retry), and every report's counts add up. Returns the violations.
   */
  invariantViolations(finished: boolean): string[] {
    const violations: string[] = [];
    for (const { name, value } of this.markers()) {
      const status = value['status'];
      if (status === 'dead-letter' && !value['reason']) violations.push(`${name}: dead-lettered without a reason`);
      else if (status === 'pending-delivery' && !value['message']) violations.push(`${name}: pending delivery without its digest`);
      else if (status !== 'done' && status !== 'dead-letter' && (finished || !['pending-delivery', 'retry', 'processing'].includes(String(status)))) violations.push(`${name}: ended ${String(status)}`);
    }
    for (const o of this.gcs.list(STATE_BUCKET, 'reports/')) {
      const s = (JSON.parse(o.data.toString('utf8')) as { summary: Record<string, number> }).summary;
      if (s['lines'] !== s['parsed']! + s['bad']! + s['skipped']! + s['unknown']!) violations.push(`${o.name}: lines ${s['lines']} ≠ parsed + bad + skipped + unknown`);
    }
    return violations;
  }

  /** Everything the function wrote to logs and state, and Slack received, for secret scans. */
  everything(): string {
    return [...this.logLines, ...this.gcs.list(STATE_BUCKET).map((o) => o.data.toString('utf8')), ...this.slack.requests.map((r) => r.body)].join('\n');
  }
}

export interface StorageCloudEvent {
  specversion: string;
  type: string;
  source: string;
  subject: string;
  id: string;
  time: string;
  datacontenttype: string;
  data: { bucket: string; name: string; generation: string; size: string; [k: string]: string };
}

/** The fixture sample lines: [allowed, denied] GCS data access. */
export async function gcsSamples(): Promise<{ allowed: string; denied: string }> {
  const [allowed = '', denied = ''] = (await readFile(join(formatFixtures, 'gcs-data-access.jsonl'), 'utf8')).split('\n').filter(Boolean);
  return { allowed, denied };
}

let registrations = 0;

/**
 * Runs the real Functions Framework (its test server) on loopback and posts CloudEvents to it.
 * Without a clock it serves `auditBatch` exactly as `index.ts` registers it (system clock); with one,
 * the same entry over the same real dependencies built from the environment, reading that clock.
 */
export class FrameworkServer {
  private server: Server | undefined;
  private url = '';

  async start(clock?: () => number): Promise<this> {
    await import('../../functions/src/function/index.js');
    let name = 'auditBatch';
    if (clock) {
      const functions = await import('@google-cloud/functions-framework');
      const { auditBatchFunction } = await import('../../functions/src/function/entry.js');
      const { instanceDeps } = await import('../../functions/src/function/deps.js');
      name = `auditBatchOnTestClock${++registrations}`;
      functions.cloudEvent(name, auditBatchFunction(() => instanceDeps(process.env, clock)));
    }
    const { getTestServer } = await import('@google-cloud/functions-framework/testing');
    this.server = getTestServer(name);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
    return this;
  }

  /** Structured mode: the whole CloudEvent as the body. Returns the HTTP status (204 = acknowledged). */
  async postStructured(event: unknown): Promise<number> {
    const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) });
    await response.text();
    return response.status;
  }

  /** Binary mode: `ce-*` headers, the body is the data. */
  async postBinary(event: StorageCloudEvent): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': event.type, 'ce-source': event.source, 'ce-id': event.id, 'ce-time': event.time, 'ce-subject': event.subject };
    const response = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(event.data) });
    await response.text();
    return response.status;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections?.();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
