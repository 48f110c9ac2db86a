import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectTimeoutOf } from './connect.js';

const PASSWORD = 'bl4ckh0le-s3cret';
const url = (host: string, port: number, query = '') => `postgres://app:${PASSWORD}@${host}:${port}/app${query}`;

async function failure(target: string, timeoutMs?: number): Promise<{ code: string; message: string; hint: string }> {
  const error = await connect(target, timeoutMs === undefined ? {} : { timeoutMs }).then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string; hint: string },
  );
  if (!error) throw new Error(`connected to ${target}`);
  expect(error.code).toBe('E_CONNECTION');
  expect(`${error.message} ${error.hint}`).not.toContain(PASSWORD);
  expect(error.message).not.toMatch(/terminated unexpectedly/i);
  return error;
}

/**
 * A port where nothing answers, on any machine: a listener with a backlog of 1 in a process that
 * never accepts. Once two connections fill its accept queue, Linux drops every further SYN
 * unanswered, exactly as a blackholed address or a firewall that drops packets does.
 */
let blackhole: { port: number; process: ChildProcess; fillers: net.Socket[] };

beforeAll(async () => {
  const child = spawn(
    process.execPath,
    ['-e', "const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => { console.log(s.address().port); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000); })"],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const fillers = [0, 1].map(() => net.connect(port, '127.0.0.1').on('error', () => {}));
  await Promise.all(fillers.map((s) => new Promise((resolve) => s.once('connect', resolve))));
  blackhole = { port, process: child, fillers };
});
afterAll(() => {
  for (const s of blackhole?.fillers ?? []) s.destroy();
  blackhole?.process.kill();
});

describe('connecting where no PostgreSQL server answers', () => {
  it('a port that drops every packet: names host and port and says nothing answered within the connect timeout', async () => {
    const error = await failure(url('127.0.0.1', blackhole.port), 500);
    expect(error.message).toBe(`cannot connect to postgres://app:****@127.0.0.1:${blackhole.port}/app: nothing answered at 127.0.0.1:${blackhole.port} within 0.5 s (the connect timeout)`);
    expect(error.hint).toContain('firewall');
    expect(error.hint).toContain('?connect_timeout=SECONDS');
  });

  it("takes the timeout from the URL's connect_timeout (seconds, as psql and pg_dump read it)", async () => {
    const error = await failure(url('127.0.0.1', blackhole.port, '?connect_timeout=1'));
    expect(error.message).toContain(`nothing answered at 127.0.0.1:${blackhole.port} within 1 s (the connect timeout)`);
    expect(connectTimeoutOf(new URL('postgres://h/db?connect_timeout=5'))).toBe(5000);
    expect(connectTimeoutOf(new URL('postgres://h/db?connect_timeout=0'))).toBeUndefined();
    expect(connectTimeoutOf(new URL('postgres://h/db'))).toBeUndefined();
  });

  it('a real blackholed address (10.255.255.1): however this network handles it, the error names it and has a hint', async () => {
    // Dropped (the timeout), refused or unreachable, or taken by a proxy that hangs up, depending
    // on the network the tests run in; never the driver's bare "Connection terminated unexpectedly".
    const error = await failure(url('10.255.255.1', 5432), 500);
    expect(error.message).toMatch(/^cannot connect to postgres:\/\/app:\*\*\*\*@10\.255\.255\.1:5432\/app: .*10\.255\.255\.1/);
    expect(error.hint).toBeTruthy();
  });

  it('something that accepts the connection and says nothing', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const error = await failure(url('127.0.0.1', port), 500);
      expect(error.message).toContain(`127.0.0.1:${port} accepted the connection but no PostgreSQL server answered within 0.5 s (the connect timeout)`);
    } finally {
      silent.close();
    }
  });

  it('a proxy that answers in HTTP and hangs up', async () => {
    const proxy = net.createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as net.AddressInfo;
    try {
      const error = await failure(url('127.0.0.1', port), 5_000);
      expect(error.message).toContain(`127.0.0.1:${port} accepted the connection and closed it without a PostgreSQL answer`);
      expect(error.hint).toContain('proxy');
    } finally {
      proxy.close();
    }
  });
});
