import { failureText } from './notify.js';
import { redactText, redactWebhookUrl, urlSecrets } from './redact.js';

/** How long a health check waits for the application's answer. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/** One GET of the application's health endpoint. */
export interface HealthCheck {
  /** A 2xx answer within the timeout. */
  ok: boolean;
  /** HTTP status, when there was an answer. */
  status?: number | undefined;
  /** Time to the answer's end (or to the failure). */
  latencyMs: number;
  /** Why it is not ok, one line, with the URL as scheme and host only. */
  error?: string | undefined;
}

/**
 * GETs the application's health endpoint (`sdk db deploy --health-url`): ok for a 2xx answer
 * read to its end within `timeoutMs`. Redirects are not followed (a health endpoint answers
 * itself; a redirect to a login page is not health). Never throws; the URL appears in errors as
 * scheme and host only, and nothing of its path, query or credentials.
 */
export async function checkHealth(url: string, options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<HealthCheck> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const where = redactWebhookUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, latencyMs: 0, error: 'the health URL is not a URL' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { ok: false, latencyMs: 0, error: `the health URL ${where} is not an http(s) URL` };
  const headers: Record<string, string> = {};
  if (parsed.username || parsed.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  const started = performance.now();
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(parsed, { headers, redirect: 'manual', signal: AbortSignal.any(signals) });
    await response.arrayBuffer();
    const latencyMs = Math.round(performance.now() - started);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, latencyMs };
    return { ok: false, status: response.status, latencyMs, error: `${where} answered HTTP ${response.status}` };
  } catch (error) {
    const latencyMs = Math.round(performance.now() - started);
    return { ok: false, latencyMs, error: `${where}: ${redactText(failureText(error, timeoutMs), urlSecrets(url))}` };
  }
}
