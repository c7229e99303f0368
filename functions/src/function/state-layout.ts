/**
 * The state bucket's top-level folders, and which of them expire. The Pulumi program deletes the
 * expiring ones after `log-audit:stateRetentionDays`; the kept ones stay, because deleting them
 * would turn into silence: a learning record deleted while its target is still without a baseline
 * would start a new, quiet learning period, and a deleted health state would forget open problems.
 * Every state object's name starts with one of these (test/infra/state-layout.test.ts checks it).
 */
export const EXPIRING_STATE_PREFIXES = ['markers/', 'reports/', 'suppression/', 'evidence/', 'dead-letters/'] as const;
export const KEPT_STATE_PREFIXES = ['learning/', 'health/'] as const;
