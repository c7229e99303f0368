/** Stack configuration: three required keys, everything else defaulted and validated, errors that say what to do. */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { expectedGapEnv, KNOWN_KEYS, readStackConfig, StackConfigError, unknownKeys } from '../../infra/config.js';
import { REQUIRED_CONFIG } from './mocks.js';

function read(config: Record<string, string>) {
  pulumi.runtime.setAllConfig(config, ['log-audit:slackWebhookUrl']);
  return readStackConfig();
}

describe('stack configuration', () => {
  it('needs only gcp:project, gcp:region and the webhook; the rest has defaults', () => {
    const c = read(REQUIRED_CONFIG);
    expect(c).toMatchObject({ project: 'acme-prod', region: 'us-central1', sources: { gcs: true, cloudsql: true, vpcFlows: true }, maxInstances: 10, functionMemory: '1Gi', functionCpu: 2, functionTimeoutSeconds: 540, logRetentionDays: 30, lockRetention: false, protectedDestinations: [':6379', ':6378'] });
  });

  it.each([
    ['the webhook is missing', { 'log-audit:slackWebhookUrl': undefined }, /log-audit:slackWebhookUrl: required — pulumi config set --secret/],
    ['the project is missing', { 'gcp:project': undefined }, /gcp:project: /],
    ['the region is multi-regional', { 'gcp:region': 'us' }, /gcp:region: set gcp:region to a single region/],
    ['a number is out of range', { 'log-audit:functionTimeoutSeconds': '900' }, /log-audit:functionTimeoutSeconds: /],
    ['a destination is malformed', { 'log-audit:protectedDestinations': '["redis"]' }, /log-audit:protectedDestinations\.0: must be "ip:port"/],
    ['memory has no unit', { 'log-audit:functionMemory': '1024' }, /log-audit:functionMemory: like 512Mi or 2Gi/],
    ['the vCPUs are not a number Cloud Run offers', { 'log-audit:functionCpu': '3' }, /log-audit:functionCpu: must be 1, 2, 4, 6 or 8/],
    ['the vCPUs need more memory', { 'log-audit:functionCpu': '4' }, /log-audit:functionCpu: 4 vCPU needs log-audit:functionMemory from 2Gi to 16Gi \(it is 1Gi\)/],
    ['the memory needs more vCPUs', { 'log-audit:functionCpu': '1', 'log-audit:functionMemory': '6Gi' }, /log-audit:functionCpu: 1 vCPU needs log-audit:functionMemory from 128Mi to 4Gi \(it is 6Gi\)/],
    ['the timeout leaves no reading time after the delivery reserve', { 'log-audit:functionTimeoutSeconds': '120' }, /log-audit:functionTimeoutSeconds: 120 s leaves 0 s to read a batch .* use 180 or more/],
    ['a larger reserve eats the reading time', { 'log-audit:functionTimeoutSeconds': '240', 'log-audit:deliveryReserveSeconds': '150' }, /log-audit:functionTimeoutSeconds: 240 s leaves 30 s to read a batch .* use 270 or more/],
    ['the health check runs at an interval cron cannot repeat evenly', { 'log-audit:healthCheckMinutes': '7' }, /log-audit:healthCheckMinutes: must be 5, 10, 15, 20, 30 or 60/],
    ['an expected gap names an unknown source', { 'log-audit:expectedGapHours': '{"gsc": 6}' }, /log-audit:expectedGapHours: /],
    ['an expected gap is not positive', { 'log-audit:expectedGapHours': '0' }, /log-audit:expectedGapHours: /],
    ['the review window outlives the evidence', { 'log-audit:reviewUnseenDays': '90' }, /log-audit:reviewUnseenDays: 90 days is not shorter than log-audit:stateRetentionDays \(90\)/],
    ['a key is misspelled', { 'log-audit:learningDay': '7' }, /log-audit:learningDay: unknown key; did you mean log-audit:learningDays\? \(the keys are listed in infra\/Pulumi.example.yaml\)/],
    ['a key is unknown', { 'log-audit:colour': 'blue' }, /log-audit:colour: unknown key \(the keys/],
    ['the learning period outlives its evidence', { 'log-audit:learningDays': '30', 'log-audit:stateRetentionDays': '20', 'log-audit:reviewUnseenDays': '10' }, /log-audit:learningDays: 30 days is longer than log-audit:stateRetentionDays \(20\)/],
  ])('refuses a stack where %s, naming the key', (_name, change, message) => {
    const config = { ...REQUIRED_CONFIG, ...change } as Record<string, string | undefined>;
    for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
    expect(() => read(config as Record<string, string>)).toThrow(StackConfigError);
    expect(() => read(config as Record<string, string>)).toThrow(message);
  });

  it('turns expected gaps, one number or per source, into the health check’s EXPECTED_GAP_HOURS', () => {
    expect(expectedGapEnv(read(REQUIRED_CONFIG).expectedGapHours)).toBe('{"default":3}');
    expect(expectedGapEnv(read({ ...REQUIRED_CONFIG, 'log-audit:expectedGapHours': '6' }).expectedGapHours)).toBe('{"default":6}');
    expect(expectedGapEnv(read({ ...REQUIRED_CONFIG, 'log-audit:expectedGapHours': '{"vpc-flows": 1, "default": 4}' }).expectedGapHours)).toBe('{"default":4,"vpc-flows":1}');
    expect(expectedGapEnv(read({ ...REQUIRED_CONFIG, 'log-audit:expectedGapHours': '{"gcs": 12}' }).expectedGapHours)).toBe('{"default":3,"gcs":12}');
  });

  it('accepts the shortest timeout that leaves a minute of reading', () => {
    expect(read({ ...REQUIRED_CONFIG, 'log-audit:functionTimeoutSeconds': '180' })).toMatchObject({ functionTimeoutSeconds: 180, deliveryReserveSeconds: 60 });
  });

  it('rejects a webhook that is not https, without echoing it', () => {
    const error = (() => {
      try {
        read({ ...REQUIRED_CONFIG, 'log-audit:slackWebhookUrl': 'http://hooks.example/secret-path' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(StackConfigError);
    expect(error!.message).toMatch(/log-audit:slackWebhookUrl: must be an https:\/\/ URL/);
    expect(error!.message).not.toContain('secret-path');
  });

  it('keeps the webhook a Pulumi secret', async () => {
    const c = read(REQUIRED_CONFIG);
    expect(await pulumi.isSecret(c.slackWebhookUrl)).toBe(true);
  });

  it('Pulumi.example.yaml documents exactly the keys the program reads', async () => {
    const text = await readFile(new URL('../../infra/Pulumi.example.yaml', import.meta.url), 'utf8');
    const example = parse(text) as { config: Record<string, unknown> };
    const set = Object.keys(example.config).filter((k) => k.startsWith('log-audit:'));
    expect(unknownKeys(set)).toEqual([]);
    // Keys without a default are shown commented out.
    const documented = new Set([...text.matchAll(/^\s*#?\s*log-audit:(\w+):/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...KNOWN_KEYS].sort());
  });
});
