import { MigratorError } from '@big0290/migrator/errors';
import { givenDatabaseUrl, URL_SOURCE_NAME } from '../database-url.js';
import { keepEmbeddedRunning, keptEmbedded, stopEmbeddedServer, type EmbeddedIo, type EmbeddedServerInfo } from '../embedded.js';
import { display } from '../embedded-state.js';
import type { OutputFlags } from '../options.js';
import type { Output } from '../output.js';
import { projectRoot } from '../project.js';


function io(out: Output): EmbeddedIo {
  return { secret: (password) => out.addSecret(password) };
}

/** How to connect without the password on a command line: libpq's passfile. */
function connectLines(server: EmbeddedServerInfo): string[] {
  return [
    `URL:       ${server.url}`,
    `Password:  in ${server.passfile} (never printed); psql and node-postgres read it through PGPASSFILE:`,
    `           PGPASSFILE=${server.passfile} psql "$(pnpm -s sdk db url)"`,
    'Studio:    pnpm db:studio',
  ];
}

/**
 * `sdk db start`: starts the embedded PostgreSQL and leaves it running (until `sdk db stop`), so
 * psql, the app, a seed script or Drizzle Studio can use it between sdk commands. Idempotent.
 */
export async function dbStart(options: OutputFlags, out: Output): Promise<number> {
  const given = givenDatabaseUrl(undefined);
  const server = await keepEmbeddedRunning(projectRoot(), io(out));
  const { was, serverVersion, ...info } = server;
  if (out.json) {
    out.resultJson({ ...info, serverVersion, alreadyRunning: was !== 'stopped', databaseUrlSet: given ? URL_SOURCE_NAME[given.source] : null });
  } else {
    const where = `PostgreSQL ${serverVersion} on port ${server.port} (data in ${display(server.dataDir)})`;
    const headline =
      was === 'stopped'
        ? `Started the embedded ${where}.`
        : was === 'kept'
          ? `The embedded ${where} is already running.`
          : `The embedded ${where} was already running (started by another sdk command); it now stays up when that command ends.`;
    out.result([headline, 'It keeps running until `pnpm sdk db stop`; sdk commands without DATABASE_URL use it.', '', ...connectLines(server)].join('\n'));
  }
  if (given) out.info(`note: ${URL_SOURCE_NAME[given.source]} is set, so the other sdk commands target that database, not this one.`);
  return 0;
}

/** `sdk db stop`: stops the embedded PostgreSQL; says so when it was not running (exit 0 either way). */
export async function dbStop(options: OutputFlags, out: Output): Promise<number> {
  const stopped = await stopEmbeddedServer(projectRoot(), io(out));
  if (out.json) out.resultJson({ stopped: stopped !== undefined, port: stopped?.port ?? null });
  else if (stopped) out.result(`Stopped the embedded PostgreSQL (port ${stopped.port}); its data stays in ${display(stopped.dataDir)}.`);
  else out.result('The embedded PostgreSQL is not running: nothing to stop.');
  return 0;
}

/**
 * `sdk db url`: the URL of the embedded PostgreSQL that `sdk db start` keeps running, for
 * `psql "$(pnpm -s sdk db url)"` or an app's DATABASE_URL. It holds no password (that is in the
 * passfile). Refuses, with the next step, when sdk commands would not use that server (a
 * DATABASE_URL is set) or when it is not kept running (its URL would soon stop answering).
 */
export async function dbUrl(options: OutputFlags, out: Output): Promise<number> {
  const given = givenDatabaseUrl(undefined);
  if (given) {
    out.addSecretsOf(given.url);
    const name = URL_SOURCE_NAME[given.source];
    throw new MigratorError('E_DATABASE_URL_SET', `${name} is set, so sdk commands target that database, not the embedded PostgreSQL`, {
      hint: given.source === 'dotenv' ? 'connect with that URL, or remove DATABASE_URL from .env and run `pnpm sdk db start` to use the embedded one' : 'connect with $DATABASE_URL, or unset it and run `pnpm sdk db start` to use the embedded one',
    });
  }
  const kept = await keptEmbedded(projectRoot(), io(out));
  if ('problem' in kept) {
    throw new MigratorError(
      'E_EMBEDDED_NOT_RUNNING',
      kept.problem === 'stopped' ? 'the embedded PostgreSQL is not running' : 'the embedded PostgreSQL is running only for another sdk command and stops when that ends',
      { hint: 'run `pnpm sdk db start`: it starts the embedded PostgreSQL (or keeps it) running until `pnpm sdk db stop`' },
    );
  }
  if (out.json) out.resultJson(kept.server);
  else {
    out.result(kept.server.url);
    // Only for a person at a terminal: `$(pnpm -s sdk db url)` reads stdout and needs nothing else.
    if (process.stdout.isTTY) out.info(`note: the password is in ${kept.server.passfile}: PGPASSFILE=${kept.server.passfile} psql "$(pnpm -s sdk db url)"`);
  }
  return 0;
}
