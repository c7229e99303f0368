/**
 * The registered function under the real Functions Framework: CloudEvents posted over HTTP, in
 * structured and binary mode, with the real dependencies built from the environment. `deployed` is
 * `auditBatch` exactly as index.ts registers it (system clock), for what does not depend on time;
 * `framework` is the same entry reading the pipeline's clock, which starts at the fixtures' date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameworkServer, gcsSamples, Pipeline } from '../support/pipeline.js';

let p: Pipeline;
let framework: FrameworkServer;
let deployed: FrameworkServer;
let allowed: string;
let denied: string;
const saved: Record<string, string | undefined> = {};

function setEnv(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) {
    if (!(key in saved)) saved[key] = process.env[key];
    process.env[key] = value;
  }
}

beforeAll(async () => {
  ({ allowed, denied } = await gcsSamples());
  p = await new Pipeline().start();
  setEnv(p.env);
  framework = await new FrameworkServer().start(p.clock.running());
  deployed = await new FrameworkServer().start();
});
afterAll(async () => {
  await framework.stop();
  await deployed.stop();
  await p.stop();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('auditBatch under the Functions Framework', () => {
  it('acknowledges a normal batch (structured mode) and posts nothing', async () => {
    const event = p.putExport([allowed]);
    expect(await deployed.postStructured(event)).toBe(204);
    expect(p.slack.requests).toHaveLength(0);
    expect(p.marker(event)).toMatchObject({ status: 'done' });
  });

  it('posts one digest for an anomalous batch (binary mode)', async () => {
    const event = p.putExport([allowed, denied]);
    expect(await framework.postBinary(event)).toBe(204);
    expect(p.slack.delivered()).toHaveLength(1);
    // A duplicate delivery of the same event: acknowledged, nothing posted.
    expect(await framework.postBinary(event)).toBe(204);
    expect(p.slack.delivered()).toHaveLength(1);
  });

  it('acknowledges a malformed event instead of failing it for a day of retries', async () => {
    expect(await deployed.postStructured({ ...p.putExport([allowed]), data: { bucket: 'b' } })).toBe(204);
  });

  it('fails the request when a retry can help (Slack down past the budget)', async () => {
    setEnv({ TIME_BUDGET_SECONDS: '3', DELIVERY_RESERVE_SECONDS: '1' });
    p.slack.respond(...Array.from({ length: 10 }, () => ({ status: 503, body: 'unavailable' })));
    const event = p.putExport([denied.replace('intruder@', 'other@')]);
    const status = await framework.postStructured(event);
    expect(status).toBeGreaterThanOrEqual(500);
    expect(p.marker(event)).toMatchObject({ status: 'pending-delivery' });
    p.slack.reset();
    // Eventarc's retry delivers the stored digest.
    expect(await framework.postStructured(event)).toBe(204);
    expect(p.slack.delivered()).toHaveLength(1);
  });
});
