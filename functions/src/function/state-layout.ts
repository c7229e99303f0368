/**
 * The state bucket's top-level folders, and which of them expire. The Pulumi program deletes the
 * expiring ones after `log-audit:stateRetentionDays`; the kept ones stay, because deleting them
 * would turn into silence: a learning record deleted while its target is still without a baseline
 * would start a new, quiet learning period, and a deleted health state would forget open problems.
 * Every state object's name starts with one of these (test/infra/state-layout.test.ts checks it).
 */
export const EXPIRING_STATE_PREFIXES = ['markers/', 'reports/', 'suppression/', 'evidence/', 'dead-letters/'] as const;
export const KEPT_STATE_PREFIXES = ['learning/', 'health/'] as const;

/** What each function may write (an IAM condition on the object name limits it to these): the audit functions everything but the health state, the health check only its state. */
export const AUDIT_FUNCTION_STATE_PREFIXES = [...EXPIRING_STATE_PREFIXES, 'learning/'] as const;
export const HEALTH_CHECK_STATE_PREFIXES = ['health/'] as const;
