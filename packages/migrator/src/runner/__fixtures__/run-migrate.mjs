// Runs the BUILT runner (pnpm --filter @big0290/migrator build) in its own process, so a test can
// SIGKILL it at a chosen moment, like a deploy job killed by its CI runner or an OOM killer.
//
//   MIGRATE_URL=postgres://... MIGRATE_FOLDER=path node run-migrate.mjs
//
// The URL comes from the environment, never argv: a password in argv is visible to every user in
// `ps`. Prints each RunnerEvent as one JSON line on
// stdout, then {"type":"finished"} or {"type":"failed"}. stdout is a pipe, which Node writes
// synchronously on Linux.
//
// MIGRATE_FREEZE_AFTER='{"type":"statement-done","tag":"0001_x","index":2}' freezes the process
// right after printing the first event with those fields (then prints {"type":"frozen"}): onEvent
// is called synchronously, so the runner cannot take its next step (e.g. record the statement as
// done) and a SIGKILL lands exactly there.
import { migrate } from '../../../dist/index.js';

const { MIGRATE_URL: url, MIGRATE_FOLDER: folder } = process.env;
const freezeAfter = process.env.MIGRATE_FREEZE_AFTER ? JSON.parse(process.env.MIGRATE_FREEZE_AFTER) : undefined;
const write = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const line = (event) => {
  write(event);
  if (freezeAfter && Object.entries(freezeAfter).every(([key, value]) => event[key] === value)) {
    write({ type: 'frozen' });
    // Blocks this thread for good: no timer, no I/O callback, no further runner step.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
};

if (!url || !folder) {
  process.stderr.write('usage: MIGRATE_URL=postgres://... MIGRATE_FOLDER=path node run-migrate.mjs\n');
  process.exitCode = 2;
} else {
  try {
    const result = await migrate({ databaseUrl: url, migrationsFolder: folder, onEvent: line });
    write({ type: 'finished', applied: result.applied.map((m) => m.tag) });
  } catch (error) {
    write({ type: 'failed', code: error?.code ?? null, message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  }
}
