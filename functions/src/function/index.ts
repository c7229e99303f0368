/**
 * Registration only. `healthCheck` is the scheduled health check (function/health/). The Functions Framework calls `auditBatch` for each
 * `google.cloud.storage.object.v1.finalized` event of the log buckets; all three log kinds share
 * this one entry point (the kind is decided per entry, so one handler serves every export bucket).
 * Dependencies are built on the first event, not at module load, and reused by the instance.
 */
import * as functions from '@google-cloud/functions-framework';
import { instanceDeps } from './deps.js';
import { auditBatchFunction } from './entry.js';
import { healthDeps } from './health/deps.js';
import { healthCheckFunction } from './health/entry.js';

functions.cloudEvent('auditBatch', auditBatchFunction(() => instanceDeps()));
// The scheduled health check (Cloud Scheduler → HTTP); its own function, service account and env.
functions.http('healthCheck', healthCheckFunction(() => healthDeps()));
