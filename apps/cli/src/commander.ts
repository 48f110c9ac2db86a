import { createRequire } from 'node:module';
import type * as Commander from 'commander';

/**
 * commander's classes, required rather than imported. commander is CommonJS: an `import` of it
 * makes Node scan its source for named exports (cjs-module-lexer) before the program can be
 * built, on every start, `sdk --help` included; `require` takes its exports as they are
 * (measured: 9 ms of `sdk db status --help`'s CPU time on this project's machine, issue 15).
 */
export const { Argument, Command, CommanderError, InvalidArgumentError, Option } = createRequire(import.meta.url)('commander') as typeof Commander;
export type Argument = Commander.Argument;
export type Command = Commander.Command;
export type CommanderError = Commander.CommanderError;
export type Option = Commander.Option;
