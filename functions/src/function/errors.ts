/**
 * Typed errors of the function. Bad data is never an error (it is a counted value); these are
 * infrastructure outcomes. A `RetryableError` thrown out of the handler makes Eventarc retry the
 * event (the trigger sets RETRY_POLICY_RETRY); anything permanent is recorded and acknowledged.
 */
export class FunctionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A retry can complete this batch: GCS or Slack trouble, the time budget, another delivery in progress. */
export class RetryableError extends FunctionError {}

/** The batch could not finish inside the time budget; nothing was reported, a retry starts again. */
export class BudgetExceededError extends RetryableError {}

/** Another delivery of the same event holds a fresh claim; a retry will find it done. */
export class InProgressElsewhereError extends RetryableError {}

/** The function's environment is wrong (missing state bucket…): nothing can work until it is fixed. */
export class ConfigError extends FunctionError {
  constructor(readonly problems: string[]) {
    super(`invalid function configuration: ${problems.join('; ')}`);
  }
}
