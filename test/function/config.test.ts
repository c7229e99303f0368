/** The function's environment: defaults, and configurations that cannot work refused with every problem named. */
import { describe, expect, it } from 'vitest';
import { parseFunctionConfig } from '../../functions/src/function/config.js';
import { ConfigError } from '../../functions/src/function/errors.js';

const REQUIRED = { STATE_BUCKET: 'state-bucket', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/secret' };

function problems(env: Record<string, string>): string {
  try {
    parseFunctionConfig({ ...REQUIRED, ...env }, '/srv');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return '';
}

describe('function configuration', () => {
  it('defaults leave 420 s of reading between the 480 s budget and the 60 s delivery reserve', () => {
    expect(parseFunctionConfig(REQUIRED, '/srv')).toMatchObject({ TIME_BUDGET_SECONDS: 480, DELIVERY_RESERVE_SECONDS: 60, BASELINES_DIR: '/srv/baselines' });
  });

  it.each([
    [{ TIME_BUDGET_SECONDS: '60' }, /TIME_BUDGET_SECONDS: 60 s minus DELIVERY_RESERVE_SECONDS \(60 s\) leaves less than 1 s to read a batch/],
    [{ TIME_BUDGET_SECONDS: '100', DELIVERY_RESERVE_SECONDS: '120' }, /leaves less than 1 s to read a batch/],
    [{ TIME_BUDGET_SECONDS: '535' }, /TIME_BUDGET_SECONDS: must leave at least 10 s of the 540 s limit/],
  ])('refuses %j', (env, message) => {
    const text = problems(env);
    expect(text).toMatch(message);
    expect(text).not.toContain('secret');
  });
});
