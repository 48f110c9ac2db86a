import { readMigrations } from '../runner/index.js';
import { MigratorError } from '../errors.js';

/** What a migration file written by an operation says of itself in its header comments. */
export interface OperationFile {
  tag: string;
  idx: number;
  when: number;
  hash: string;
  /** Operation name (`add_phone`). */
  name: string;
  /** Operation kind (`add-required-column`). */
  kind: string;
  /** 1-based position among the operation's files (migrations and data migrations). */
  position: number;
  of: number;
  phase: 'expand' | 'contract';
  summary: string;
  /** `-- sdk:rollback` statements (the first file has them). */
  rollback: string[];
}

const HEADER = /^-- sdk:operation (\S+) (\S+) \((\d+) of (\d+)\): (.*)$/m;
const PHASE = /^-- sdk:phase (expand|contract)\s*$/m;
/** A rollback statement and the lines it goes on with (`-- sdk:rollback| `: a string with a newline). */
const ROLLBACK = /^-- sdk:rollback (.*)$((?:\n-- sdk:rollback\| .*$)*)/gm;

/** The header of one file's text, or undefined when no operation wrote it. */
export function operationHeader(text: string): Omit<OperationFile, 'tag' | 'idx' | 'when' | 'hash'> | undefined {
  const head = HEADER.exec(text);
  if (!head) return undefined;
  return {
    name: head[1]!,
    kind: head[2]!,
    position: Number(head[3]),
    of: Number(head[4]),
    summary: head[5]!,
    phase: (PHASE.exec(text)?.[1] as 'expand' | 'contract' | undefined) ?? 'expand',
    rollback: [...text.matchAll(ROLLBACK)].map((m) => m[1]! + m[2]!.replaceAll('\n-- sdk:rollback| ', '\n')),
  };
}

/** Every migration file of the folder an operation wrote, in journal order. */
export async function operationFiles(migrationsFolder: string): Promise<OperationFile[]> {
  const out: OperationFile[] = [];
  for (const file of await readMigrations(migrationsFolder)) {
    const header = operationHeader(file.sql);
    if (header) out.push({ ...header, tag: file.tag, idx: file.idx, when: file.when, hash: file.hash });
  }
  return out;
}

/** The files of one operation; E_OPERATION listing the operations there are when it has none. */
export function filesOf(all: readonly OperationFile[], name: string): OperationFile[] {
  const files = all.filter((f) => f.name === name || f.tag === name);
  const named = files.length > 0 && files[0]!.name !== name ? all.filter((f) => f.name === files[0]!.name) : files;
  if (named.length === 0) {
    const names = [...new Set(all.map((f) => f.name))];
    throw new MigratorError('E_OPERATION', `no operation named ${name} in the migrations folder${names.length ? ` (there are: ${names.join(', ')})` : ' (it has none)'}`, {
      hint: 'give the name used in the files\' names (`0003_add_phone_expand.sql` -> add_phone), or one of their tags; `sdk db status` lists the operations',
    });
  }
  return named;
}
