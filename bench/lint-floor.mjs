// The least any Node linter built on libpg-query (the parser issue 3 requires) must do for the lint
// benchmark's corpus: start Node, load the WebAssembly parser with the same V8 flag the sdk binary
// sets, read every .sql file under the given folder and parse it. No rules, no report, no output.
// `pnpm bench lint` times this beside `sdk db lint` and squawk to show how much of sdk's time is
// rule work and how much is the floor no rule code can go under.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
const { readdirSync, readFileSync } = await import('node:fs');
const { createRequire } = await import('node:module');
const { join } = await import('node:path');

const require = createRequire(new URL('../packages/migrator/package.json', import.meta.url));
const { loadModule, parseSync } = await import(require.resolve('libpg-query'));
await loadModule();

const root = process.argv[2];
let statements = 0;
for (const file of readdirSync(root, { recursive: true })) {
  if (!file.endsWith('.sql')) continue;
  const text = readFileSync(join(root, file), 'utf8');
  if (text.trim() === '') continue;
  statements += parseSync(text).stmts?.length ?? 0;
}
// One line on stderr, so the benchmark can check the floor parsed the whole corpus.
process.stderr.write(`${statements}\n`);
