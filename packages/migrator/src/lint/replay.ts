/**
 * What `sdk db lint` loads to replay a run with nothing changed (apps/cli lint-replay.ts): the
 * record of a run's inputs and the linter's fingerprint, without the driver, the parser or the
 * renderers. Served as `@big0290/migrator/lint/replay`; also exported by lint/index.ts.
 */
export { changedInput, InputRecorder, RACY_WINDOW_MS, settledInputs } from './inputs.js';
export type { InputChange, LintInputs, RecordedFile, RecordedFolder, RecordedPackage } from './inputs.js';
export { engineFiles, engineFingerprint } from './fingerprint.js';
