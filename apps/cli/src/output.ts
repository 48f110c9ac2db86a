import { styleText } from 'node:util';
import { passwordOf, redactText } from '@big0290/migrator/redact';

/**
 * The password a connection string holds, in every spelling that may be echoed: decoded, as
 * written (percent-encoded), and, for a string `new URL` rejects (`postgres//u:pw@h`), the text
 * between the last `:` and the last `@` before the host.
 */
export function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  const secrets = new Set<string>();
  const decoded = passwordOf(url);
  if (decoded) secrets.add(decoded);
  const userinfo = url.slice(0, Math.max(0, url.lastIndexOf('@')));
  const colon = userinfo.lastIndexOf(':');
  if (colon >= 0) {
    const raw = userinfo.slice(colon + 1);
    // A password equal to the user name (postgres:postgres) is no secret: scrubbing it would
    // blank every mention of the user and of postgres://.
    const user = userinfo.slice(userinfo.lastIndexOf('/') + 1, colon);
    if (raw && !raw.startsWith('//') && raw !== user) {
      secrets.add(raw);
      try {
        secrets.add(decodeURIComponent(raw));
      } catch {
        // Not valid percent-encoding: the raw form is enough.
      }
    }
  }
  return [...secrets];
}

/**
 * Everything the CLI prints goes through here, so known secrets (the target's password) are
 * scrubbed from every line, including error messages that echo server text.
 */
export class Output {
  private readonly secrets = new Set<string>();
  readonly json: boolean;
  readonly verbose: boolean;
  private readonly color: boolean;

  constructor(options: { json?: boolean | undefined; verbose?: boolean | undefined } = {}) {
    this.json = options.json ?? false;
    this.verbose = options.verbose ?? false;
    this.color = process.stderr.isTTY === true && !process.env.NO_COLOR;
    // Whatever the target turns out to be, the password in the environment is never printed.
    this.addSecretsOf(process.env.DATABASE_URL);
  }

  addSecret(secret: string): void {
    if (secret) this.secrets.add(secret);
  }

  /** Scrubs the password of `url` (in each spelling) from everything printed from now on. */
  addSecretsOf(url: string | undefined): void {
    for (const secret of secretsOf(url)) this.addSecret(secret);
  }

  scrub(text: string): string {
    return redactText(text, [...this.secrets]);
  }

  /** The command's result: on stdout. */
  result(text: string): void {
    process.stdout.write(`${this.scrub(text)}\n`);
  }

  /**
   * One JSON object on stdout, nothing else. Each string is scrubbed before it is encoded: scrubbing
   * the encoded text could cut through its quotes (`password=...` runs to the next space).
   */
  resultJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? this.scrub(v) : v), 2)}\n`);
  }

  /** Progress and notices: on stderr, so stdout stays clean for scripts. */
  info(text: string): void {
    process.stderr.write(`${this.scrub(text)}\n`);
  }

  style(format: Parameters<typeof styleText>[0], text: string): string {
    return this.color ? styleText(format, text) : text;
  }
}

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** Left-aligned columns, for tables on a terminal. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A span of seconds in the largest unit that reads well: `40 s`, `12 min`, `5 h`, `3 days`. */
export function age(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

export function ago(iso: string): string {
  return `${age((Date.now() - Date.parse(iso)) / 1000)} ago`;
}
