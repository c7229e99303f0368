/**
 * Sends a digest through `@slack/webhook`, with what that client leaves to us (reliability.md):
 * an explicit timeout per attempt, `Retry-After` on 429, backoff on 5xx and network errors, all
 * inside a deadline; 400/403/404/410 are permanent. The webhook URL is a secret: it never appears in
 * an error message, and response bodies are scrubbed of it.
 * https://api.slack.com/messaging/webhooks#handling_errors
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import type { SlackMessage } from './slack-digest.js';

/** Base of every delivery error; `instanceof` tells them apart. */
export class SlackDeliveryError extends Error {
  /** Posts sent that Slack never answered (timeout, reset): each may have been delivered. */
  unconfirmed = 0;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A retry later can succeed (429 past the deadline, 5xx, timeout, reset): throw so Eventarc retries. */
export class SlackRetryableError extends SlackDeliveryError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Slack refuses this webhook or payload for good (400/403/404/410): record it, do not retry. */
export class SlackPermanentError extends SlackDeliveryError {
  constructor(
    readonly status: number,
    /** Slack's short error code (`invalid_payload`, `no_service`, …), never the response body. */
    readonly code: string,
  ) {
    super(`Slack refused the message permanently: HTTP ${status} ${code}`);
  }
}

/** What stands for a response body that is not one of Slack's short error codes. */
export const UNRECOGNIZED_SLACK_ERROR = 'unrecognized_response';

/**
 * Slack's short error code from a webhook response body (`invalid_blocks`, `channel_is_archived`),
 * or UNRECOGNIZED_SLACK_ERROR. Only the code is ever recorded or logged: a body that echoes the
 * request (the webhook path, percent-encoded or upper-cased) would carry the secret past any
 * scrubber. https://api.slack.com/messaging/webhooks#handling_errors
 */
export function slackErrorCode(body: string): string {
  const code = body.trim();
  return /^[a-z][a-z0-9_]{0,63}$/.test(code) ? code : UNRECOGNIZED_SLACK_ERROR;
}

/** First backoff after a 5xx or a network error; doubled each attempt. */
export const BACKOFF_BASE_MS = 1_000;
/** Backoff never waits longer than this between attempts. */
export const BACKOFF_MAX_MS = 8_000;
/** When a 429 carries no usable Retry-After, wait this long (Slack allows ~1 message/second). */
export const DEFAULT_RETRY_AFTER_MS = 1_000;
/** A single attempt never waits longer than this for Slack to answer. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
/** Do not start an attempt with less time than this left before the deadline. */
const MIN_ATTEMPT_MS = 500;

export interface NotifierOptions {
  /** Transport (tests and the function pass the global fetch; injectable like @slack/webhook's own). */
  fetch?: typeof fetch;
  attemptTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface DeliveryReceipt {
  attempts: number;
  /** Posts before the confirmed one that Slack never answered (each may have been delivered too). */
  unconfirmed: number;
}

export interface PostOptions {
  /**
   * Called before each attempt with the number of earlier attempts of this call Slack left
   * unanswered (each may have been delivered). The caller records that the next attempt may deliver
   * a copy, or throws to stop posting (its error is what post() rejects with).
   */
  beforeAttempt?: (unconfirmedSoFar: number) => Promise<void>;
}

/** Errors after which the request may have reached Slack (no answer came back). */
function unanswered(error: Error): boolean {
  const cause = (error as Error & { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  return error.name === 'TimeoutError' || error.name === 'AbortError' || ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'].includes(code);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SlackNotifier {
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly attemptTimeoutMs: number;
  private lastRetryAfterMs: number | undefined;

  constructor(
    private readonly url: string,
    options: NotifierOptions = {},
  ) {
    const base = options.fetch ?? globalThis.fetch;
    // Wrap the transport to read Retry-After, which IncomingWebhookHTTPError does not carry.
    this.fetchFn = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const response = await base(input, init);
      const retryAfter = Number(response.headers.get('retry-after'));
      this.lastRetryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined;
      return response;
    }) as typeof fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  }

  /** Posts once, retrying transient failures until `deadlineMs`; throws a typed error otherwise. */
  async post(message: SlackMessage, deadlineMs: number, options: PostOptions = {}): Promise<DeliveryReceipt> {
    let backoff = BACKOFF_BASE_MS;
    let unconfirmed = 0;
    const fail = (error: SlackDeliveryError): SlackDeliveryError => {
      error.unconfirmed = unconfirmed;
      return error;
    };
    for (let attempt = 1; ; attempt++) {
      const left = deadlineMs - this.now();
      if (left < MIN_ATTEMPT_MS) throw fail(new SlackRetryableError(`no time left to post to Slack (attempt ${attempt})`));
      await options.beforeAttempt?.(unconfirmed);
      const webhook = new IncomingWebhook(this.url, { fetch: this.fetchFn, timeout: Math.min(this.attemptTimeoutMs, left), retryConfig: { retries: 0 } });
      let wait: number;
      let reason: SlackRetryableError;
      try {
        await webhook.send(message);
        return { attempts: attempt, unconfirmed };
      } catch (error) {
        if (error instanceof IncomingWebhookHTTPError) {
          const code = slackErrorCode(String(error.body ?? ''));
          if (error.statusCode === 429) {
            wait = this.lastRetryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
            reason = new SlackRetryableError(`Slack rate-limited the webhook (429, Retry-After ${Math.round(wait / 1000)} s)`, 429);
          } else if (error.statusCode >= 500) {
            wait = backoff;
            backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
            reason = new SlackRetryableError(`Slack answered HTTP ${error.statusCode} ${code}`, error.statusCode);
          } else if (error.statusCode === 408) {
            wait = backoff;
            reason = new SlackRetryableError('Slack answered HTTP 408', 408);
          } else {
            // 400/403/404/410 are documented as permanent; any other 4xx is treated the same.
            throw fail(new SlackPermanentError(error.statusCode, code));
          }
        } else if (error instanceof IncomingWebhookRequestError) {
          wait = backoff;
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
          const cause = error.original.name === 'TimeoutError' || error.original.name === 'AbortError' ? 'timed out' : this.scrub(describe(error.original));
          reason = new SlackRetryableError(`no answer from Slack: ${cause}`);
          if (unanswered(error.original)) unconfirmed++;
        } else {
          throw fail(new SlackRetryableError(`posting to Slack failed: ${this.scrub(describe(error))}`));
        }
      }
      if (this.now() + wait + MIN_ATTEMPT_MS > deadlineMs) throw fail(reason);
      await this.sleep(wait);
    }
  }

  /** Removes the webhook URL (and its secret path) from any text. */
  scrub(text: string): string {
    let out = text.split(this.url).join('[webhook URL]');
    const path = safePath(this.url);
    if (path && path.length > 8) out = out.split(path).join('[webhook path]');
    return out;
  }
}

function safePath(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return `${error.message}${typeof code === 'string' ? ` (${code})` : cause instanceof Error ? ` (${cause.message})` : ''}`;
}
