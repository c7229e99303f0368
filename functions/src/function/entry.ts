/**
 * The CloudEvent function the Functions Framework calls, over dependencies its registrant chooses:
 * `index.ts` registers it over the instance's real dependencies and the system clock; tests register
 * it over the same real dependencies with a clock of their own, so no decision depends on today.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { handleStorageEvent, type HandlerDeps } from './handler.js';

export function auditBatchFunction(deps: () => HandlerDeps): (event: CloudEvent<unknown>) => Promise<void> {
  return async (event) => {
    await handleStorageEvent(event, deps());
  };
}
