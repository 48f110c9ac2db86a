// Runs the built runner in its own process so a test can SIGKILL it mid-run. Prints each runner
// event as one JSON line on stdout. Target and folder come from the environment.
import { migrate } from '../dist/index.js';

await migrate({
  databaseUrl: process.env.MIGRATE_URL,
  migrationsFolder: process.env.MIGRATE_FOLDER,
  onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
});
process.stdout.write(`${JSON.stringify({ type: 'finished' })}\n`);
