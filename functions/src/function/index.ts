/**
 * Registration only. The Functions Framework calls `auditBatch` for each
 * `google.cloud.storage.object.v1.finalized` event of the log buckets; all three log kinds share
 * this one entry point (the kind is decided per entry, so one handler serves every export bucket).
 * Dependencies are built on the first event, not at module load, and reused by the instance.
 */
import * as functions from '@google-cloud/functions-framework';
import { instanceDeps } from './deps.js';
import { auditBatchFunction } from './entry.js';

functions.cloudEvent('auditBatch', auditBatchFunction(() => instanceDeps()));
