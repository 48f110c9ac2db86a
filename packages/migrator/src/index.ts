export * from './errors.js';
export { redactUrl, redactText, passwordOf } from './util/redact.js';
export { connect, parseDatabaseUrl, serverVersionNum, DEFAULT_CONNECT_TIMEOUT_MS } from './db/connect.js';
export { blockersOf, invalidIndexes } from './db/sessions.js';
export * from './runner/index.js';
export * from './lint/index.js';
export * from './inspect/index.js';
export * from './backup/index.js';
