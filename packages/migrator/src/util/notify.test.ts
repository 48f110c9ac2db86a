import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationBody, notify, type NotifyResult } from './notify.js';

interface Received {
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A real webhook endpoint on 127.0.0.1: `answer` gets each request (numbered from 1) and what it sent. */
async function webhook(answer: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ base: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', contentType: req.headers['content-type'], authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      answer(received.length, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A Slack-like URL whose path and query carry secrets, and what must never be shown of it. */
const SECRET_PATH = '/services/T0SECRET1/B0SECRET2/XyzTokenSecret123';
const SECRET_QUERY = '?token=QuerySecret456&sig=abcSig789';
const SECRETS = ['T0SECRET1', 'B0SECRET2', 'XyzTokenSecret123', 'QuerySecret456', 'abcSig789', 'services/', 'token=', 'pa55word'];

function expectNoSecrets(result: NotifyResult): void {
  const shown = JSON.stringify(result);
  for (const secret of SECRETS) expect(shown).not.toContain(secret);
}

/** Short pauses; a timeout generous enough for a loaded machine (fetch loads undici on first use). */
const fast = { timeoutMs: 5_000, backoffMs: 10 };

describe('notify', () => {
  it('posts a Slack-compatible { text } body and is delivered at the first 200', async () => {
    const hook = await webhook((_n, _req, res) => res.end('ok'));
    const result = await notify(`${hook.base}/hook`, { status: 'success', summary: '3 migrations applied, backup verified, 41 s', target: 'app' }, fast);
    expect(result).toEqual({ delivered: true, attempts: 1, status: 200 });
    expect(hook.received).toEqual([{ url: '/hook', contentType: 'application/json', authorization: undefined, body: { text: 'Deploy succeeded (app): 3 migrations applied, backup verified, 41 s' } }]);
  });

  it('retries after a failed attempt and is delivered at the second', async () => {
    const hook = await webhook((n, _req, res) => {
      res.statusCode = n === 1 ? 503 : 200;
      res.end(n === 1 ? 'try later' : 'ok');
    });
    const result = await notify(`${hook.base}${SECRET_PATH}${SECRET_QUERY}`, { status: 'start', summary: 'expand: 2 migrations pending' }, fast);
    expect(result).toEqual({ delivered: true, attempts: 2, status: 200 });
    expect(hook.received.map((r) => r.body)).toEqual([{ text: 'Deploy started: expand: 2 migrations pending' }, { text: 'Deploy started: expand: 2 migrations pending' }]);
    expect(hook.received[0]!.url).toBe(`${SECRET_PATH}${SECRET_QUERY}`);
  });

  it('gives up on an endpoint that never answers after its attempts, each cut at the timeout, and says so without the secrets', async () => {
    const hook = await webhook(() => {
      // Never answers.
    });
    const result = await notify(`${hook.base}${SECRET_PATH}${SECRET_QUERY}`, { status: 'failure', summary: 'migration 0007 failed' }, { timeoutMs: 200, backoffMs: 10, attempts: 3 });
    expect(hook.received).toHaveLength(3);
    expect(result).toEqual({
      delivered: false,
      attempts: 3,
      error: `webhook ${hook.base} not notified after 3 attempts: no answer within 200 ms; no answer within 200 ms; no answer within 200 ms`,
    });
    expectNoSecrets(result);
  });

  it('shows an error answer with its body, scrubbed of the URL the server echoes, and does not retry a 404', async () => {
    const hook = await webhook((_n, req, res) => {
      res.statusCode = 404;
      res.end(`no_service for ${req.url}`);
    });
    const result = await notify(`${hook.base}${SECRET_PATH}${SECRET_QUERY}`, { status: 'success', summary: 'done' }, fast);
    expect(result.delivered).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.status).toBe(404);
    expect(result.error).toMatch(new RegExp(`^webhook ${hook.base} not notified after 1 attempt: HTTP 404 "no_service for \\*\\*\\*\\*"$`));
    expectNoSecrets(result);
  });

  it('retries 500s until its attempts run out, showing each answer', async () => {
    const hook = await webhook((_n, req, res) => {
      res.statusCode = 500;
      res.end(`boom at ${req.url}`);
    });
    const result = await notify(`${hook.base}${SECRET_PATH}${SECRET_QUERY}`, { status: 'failure', summary: 'x' }, fast);
    expect(result).toMatchObject({ delivered: false, attempts: 3, status: 500 });
    expect(result.error?.split('; ')).toHaveLength(3);
    expectNoSecrets(result);
  });

  it('sends user:password@ as basic authentication, never showing them', async () => {
    const hook = await webhook((_n, _req, res) => {
      res.statusCode = 500;
      res.end('nope');
    });
    const url = hook.base.replace('http://', 'http://deployer:pa55word@') + SECRET_PATH + SECRET_QUERY;
    const result = await notify(url, { status: 'start', summary: 's' }, { ...fast, attempts: 1 });
    expect(hook.received[0]!.authorization).toBe(`Basic ${Buffer.from('deployer:pa55word').toString('base64')}`);
    expect(result.error).toBe(`webhook ${hook.base} not notified after 1 attempt: HTTP 500 "nope"`);
    expectNoSecrets(result);
  });

  it('reports a refused connection by its network code, retried, without the secrets', async () => {
    const hook = await webhook((_n, _req, res) => res.end('ok'));
    const base = hook.base;
    for (const server of servers.splice(0)) server.close();
    const result = await notify(`${base}${SECRET_PATH}${SECRET_QUERY}`, { status: 'start', summary: 's' }, fast);
    expect(result).toEqual({ delivered: false, attempts: 3, error: `webhook ${base} not notified after 3 attempts: ECONNREFUSED; ECONNREFUSED; ECONNREFUSED` });
  });

  it('sends nothing to a URL it cannot use, and does not echo it', async () => {
    expect(await notify('hooks.example.com/services/XyzTokenSecret123', { status: 'start', summary: 's' })).toEqual({
      delivered: false,
      attempts: 0,
      error: 'webhook URL is not an http(s) URL: nothing was sent',
    });
    expect(await notify('ftp://files.example.com/XyzTokenSecret123', { status: 'start', summary: 's' })).toEqual({
      delivered: false,
      attempts: 0,
      error: 'webhook ftp://files.example.com is not an http(s) URL: nothing was sent',
    });
  });
});

describe('notificationBody', () => {
  it('is one line with the outcome first, the summary cut to a readable length, and connection strings redacted', () => {
    expect(notificationBody({ status: 'failure', summary: 'migration 0007 failed\n  rolled back', target: 'postgres://app:hunter22@db.internal/prod' })).toEqual({
      text: 'Deploy FAILED (postgres://app:****@db.internal/prod): migration 0007 failed rolled back',
    });
    const long = notificationBody({ status: 'success', summary: 'x'.repeat(2_000) }).text;
    expect(long).toHaveLength('Deploy succeeded: '.length + 500);
    expect(long.endsWith('…')).toBe(true);
  });
});
