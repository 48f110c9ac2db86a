import { setTimeout as sleep } from 'node:timers/promises';
import { redactText, redactWebhookUrl, urlSecrets } from './redact.js';

/**
 * Deploy notifications to a Slack-compatible webhook (issue 14: a deploy tells people when it
 * starts, succeeds or fails). A notification never fails or blocks a deploy for long: `notify`
 * never throws, gives up after a bounded number of attempts, and reports what happened as data.
 * The URL is a secret (Slack's path token, a `?token=` query, user:password@): results show its
 * scheme and host only, and anything echoed back from the network is scrubbed of its parts.
 */

/** Attempts per notification: the first and two retries. */
export const DEFAULT_NOTIFY_ATTEMPTS = 3;
/** How long one attempt may take, answer included. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;
/** The pause before the first retry; it doubles for each further one. */
export const DEFAULT_NOTIFY_BACKOFF_MS = 500;

/** How much of a deploy's summary goes into a message: chat tools cut long text anyway. */
const SUMMARY_LIMIT = 500;

export interface DeployNotification {
  status: 'start' | 'success' | 'failure';
  /** The report's one-line summary, e.g. `3 migrations applied, backup verified, 41 s`. */
  summary: string;
  /** What was deployed to, e.g. a database name (connection strings are redacted anyway). */
  target?: string;
}

export interface NotifyOptions {
  attempts?: number;
  timeoutMs?: number;
  backoffMs?: number;
}

export interface NotifyResult {
  delivered: boolean;
  /** Attempts made (0 when the URL was not usable). */
  attempts: number;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Why it was not delivered, one line, with the webhook as scheme and host only. */
  error?: string;
}

const HEADLINE: Record<DeployNotification['status'], string> = {
  start: 'Deploy started',
  success: 'Deploy succeeded',
  failure: 'Deploy FAILED',
};

/** The Slack-compatible body: `{ "text": "Deploy succeeded (app): 3 migrations applied in 41 s" }`. */
export function notificationBody(event: DeployNotification): { text: string } {
  let summary = String(event.summary ?? '').replace(/\s+/g, ' ').trim();
  if (summary.length > SUMMARY_LIMIT) summary = `${summary.slice(0, SUMMARY_LIMIT - 1)}…`;
  const target = event.target ? ` (${event.target.replace(/\s+/g, ' ').trim()})` : '';
  return { text: redactText(`${HEADLINE[event.status]}${target}: ${summary || 'no summary'}`) };
}

/** One attempt's outcome: delivered, or why not and whether another attempt may help. */
type Attempt = { ok: true; status: number } | { ok: false; status?: number; why: string; retry: boolean };

async function attempt(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, secrets: string[]): Promise<Attempt> {
  try {
    // redirect 'manual': a redirect would carry the message (and its headers) to another URL.
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read the answer under the same timeout: it also frees the connection.
    const text = (await response.text()).replace(/\s+/g, ' ').trim().slice(0, 100);
    if (response.ok) return { ok: true, status: response.status };
    const said = text ? ` "${redactText(text, secrets)}"` : '';
    // 408 and 429 and 5xx pass with time; any other answer (404 no_service, 403 invalid_token,
    // a redirect) will be the same next time.
    const retry = response.status === 408 || response.status === 429 || response.status >= 500;
    return { ok: false, status: response.status, why: `HTTP ${response.status}${said}`, retry };
  } catch (error) {
    // A timeout or a network failure (fetch's TypeError with a cause) may pass; an error without
    // a cause is the request itself being refused, the same on every attempt.
    const passing = (error instanceof Error && error.name === 'TimeoutError') || (error instanceof Error && error.cause !== undefined);
    return { ok: false, why: redactText(failureText(error, timeoutMs), secrets), retry: passing };
  }
}

/** A fetch failure in a few words: its network code when there is one, never the URL. Shared with checkHealth. */
export function failureText(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Posts a deploy notification to a Slack-compatible webhook: `{ "text": ... }`. Tries
 * `attempts` times, each bounded by `timeoutMs`, pausing `backoffMs` then twice as long between
 * tries; retries network failures, timeouts, 408, 429 and 5xx, not other answers. Never throws:
 * the result says whether it was delivered, and why not in one line that shows the webhook as
 * scheme and host only.
 *
 * @example
 * const sent = await notify(webhookUrl, { status: 'failure', summary: 'migration 0007 failed, rolled back' });
 * if (!sent.delivered) report.warnings.push(`notification not delivered: ${sent.error}`);
 */
export async function notify(url: string, event: DeployNotification, options: NotifyOptions = {}): Promise<NotifyResult> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? DEFAULT_NOTIFY_ATTEMPTS));
  const timeoutMs = options.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS;
  const backoffMs = options.backoffMs ?? DEFAULT_NOTIFY_BACKOFF_MS;
  const where = redactWebhookUrl(url);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Reported below without the text: it may be a secret pasted in the wrong place.
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    return { delivered: false, attempts: 0, error: `webhook ${parsed ? where : 'URL'} is not an http(s) URL: nothing was sent` };
  }
  const secrets = urlSecrets(url);
  // fetch refuses a URL with user:password@: send them as basic authentication instead.
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (parsed.username || parsed.password) {
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    };
    const credentials = `${decode(parsed.username)}:${decode(parsed.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  let body: string;
  try {
    body = JSON.stringify(notificationBody(event));
  } catch (error) {
    return { delivered: false, attempts: 0, error: `webhook ${where}: the notification could not be written (${redactText(failureText(error, timeoutMs))}): nothing was sent` };
  }
  const outcomes: string[] = [];
  let last: Attempt | undefined;
  for (let n = 1; n <= attempts; n++) {
    if (n > 1) await sleep(backoffMs * 2 ** (n - 2));
    last = await attempt(parsed, headers, body, timeoutMs, secrets);
    if (last.ok) return { delivered: true, attempts: n, status: last.status };
    outcomes.push(last.why);
    if (!last.retry) break;
  }
  const made = outcomes.length;
  return {
    delivered: false,
    attempts: made,
    ...(last?.ok === false && last.status !== undefined ? { status: last.status } : {}),
    error: `webhook ${where} not notified after ${made} ${made === 1 ? 'attempt' : 'attempts'}: ${outcomes.join('; ')}`,
  };
}
