/**
 * Passwords never appear in output, logs, errors or reports: every connection string shown to a
 * person or written to a report goes through these.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    const params = u.searchParams;
    for (const key of [...params.keys()]) {
      if (/pass/i.test(key)) params.set(key, '****');
    }
    return u.toString();
  } catch {
    return redactText(url);
  }
}

/** Redacts anything that looks like credentials inside free text (error messages, logs). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  // The cheap `includes` checks skip the regexes for the usual text, which has neither; large
  // outputs (a lint report of thousands of files) pass through here too.
  let out = text.includes('://') ? text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]*)(@)/gi, '$1****$3') : text;
  if (/password/i.test(out)) out = out.replace(/(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi, '$1****');
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    // Every occurrence, even inside a longer word, except as a URL scheme: a password
    // "postgres" must not turn "postgres://" into "****://".
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`${escaped}(?!://)`, 'g'), '****');
  }
  return out;
}

/**
 * The password of a connection string, so it can be scrubbed from text that may echo it.
 * A password equal to the user name (postgres/postgres) is no secret and would blank out every
 * mention of the user, so it is not returned.
 */
export function passwordOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    const password = u.password ? decodeURIComponent(u.password) : undefined;
    return password && password !== decodeURIComponent(u.username) ? password : undefined;
  } catch {
    // Not a URL: scrub a user:password@ pair if one is recognisable.
    return /:\/\/[^:/@\s]*:([^@\s]+)@/.exec(url)?.[1];
  }
}

/**
 * A webhook URL as it may be shown: scheme and host only. Unlike a connection string, a webhook's
 * secret is the URL itself (Slack's /services/T…/B…/token, a `?token=` query, user:password@), so
 * everything after the host goes.
 */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : `${u.protocol}****`;
  } catch {
    return '<not a URL>';
  }
}

/**
 * The parts of a URL that may be secret (the whole URL, its userinfo, path segments, query
 * values, fragment), raw and decoded, longest first: for `redactText(text, urlSecrets(url))`
 * on text that may echo the URL (a fetch error, a response body).
 */
export function urlSecrets(url: string): string[] {
  const parts = new Set<string>([url]);
  const add = (raw: string) => {
    parts.add(raw);
    try {
      parts.add(decodeURIComponent(raw));
    } catch {
      // Not percent-encoded validly: the raw form is all there is to scrub.
    }
  };
  try {
    const u = new URL(url);
    for (const part of [u.username, u.password, u.hash.slice(1), u.pathname + u.search, u.search.slice(1)]) add(part);
    for (const segment of u.pathname.split('/')) add(segment);
    // A query value is a secret (?token=...); its key only when it stands alone (?SECRET).
    for (const pair of u.search.slice(1).split('&')) add(pair.includes('=') ? pair.slice(pair.indexOf('=') + 1) : pair);
  } catch {
    // Not a URL: the whole string is the secret.
  }
  return [...parts].filter((p) => p.length >= 3).sort((a, b) => b.length - a.length);
}
