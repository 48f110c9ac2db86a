import { createInterface } from 'node:readline';
import { MigratorError } from '../errors.js';
import { spawnTool } from './child.js';
import type { PgTool } from './tools.js';

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The tool's own error and warning lines (`pg_dump: error: ...`), in order. */
  errors: string[];
}

export interface ToolRun {
  pid: number | undefined;
  exited: Promise<ToolExit>;
  kill(): void;
}

/**
 * Runs pg_dump or pg_restore with `--verbose`, handing each line of its stderr to `onLine` (the
 * progress comes from there) and keeping its error lines for the message if it fails. The
 * password is in `env` only: `args` never hold one. The tool dies with this process where the
 * platform allows (see `dieWithParentPrefix`).
 */
export function runTool(tool: PgTool, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void = () => {}, signal?: AbortSignal): ToolRun {
  const child = spawnTool(tool.path, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // Interrupted (Ctrl-C, SIGTERM): the tool is stopped and the caller cleans up after it.
  const stop = () => child.kill('SIGTERM');
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  child.once('close', () => signal?.removeEventListener('abort', stop));
  const errors: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  lines.on('line', (line) => {
    if (/\b(error|fatal|warning|detail|hint):/i.test(line) || /^(ERROR|FATAL):/.test(line)) errors.push(line);
    onLine(line);
  });
  const exited = new Promise<ToolExit>((resolve) => {
    let closed = false;
    child.on('error', (error) => {
      if (closed) return;
      closed = true;
      errors.push(`${tool.name}: error: ${error.message}`);
      resolve({ code: null, signal: null, errors });
    });
    child.on('close', (code, signal) => {
      if (closed) return;
      closed = true;
      resolve({ code, signal, errors });
    });
  });
  return { pid: child.pid, exited, kill: () => child.kill('SIGTERM') };
}

/** One line for a failed run: the tool's first error, else how it ended. */
export function failureOf(tool: PgTool, exit: ToolExit): string {
  if (exit.signal) return `${tool.name} was killed (${exit.signal})`;
  const first = exit.errors.find((l) => /error:|FATAL/i.test(l)) ?? exit.errors[0];
  return first ? first.replace(/^pg_(dump|restore):\s*(error:\s*)?/, `${tool.name}: `) : `${tool.name} exited with code ${exit.code}`;
}

/** Progress of one pg_dump / pg_restore run, for a progress bar. */
export interface BackupProgress {
  phase: 'dumping' | 'checksum' | 'restoring' | 'comparing';
  tablesDone: number;
  tablesTotal: number;
  /** Rows of the tables done (exact counts where known, else the planner's estimate). */
  rowsDone: number;
  rowsTotal: number;
  /** Table data bytes done and in all, from the tables' sizes on the server. */
  bytesDone: number;
  bytesTotal: number;
  elapsedMs: number;
  /** Estimated time left, from the rate so far; undefined until something is done. */
  etaMs: number | undefined;
}

export interface TableSize {
  schema: string;
  name: string;
  /** pg_relation_size of the table (its heap), the work its data takes to dump or load. */
  bytes: number;
  rows: number;
}

/**
 * Follows `--verbose` lines naming the table whose data is being dumped or restored; a table
 * is done when the next one starts (or the run ends). Progress by table bytes, so one big table
 * does not look like one of many.
 */
export class TableProgress {
  private readonly started = Date.now();
  private readonly byName = new Map<string, TableSize>();
  private readonly done = new Set<string>();
  private current: string | undefined;
  private readonly bytesTotal: number;
  private readonly rowsTotal: number;

  constructor(
    private readonly phase: BackupProgress['phase'],
    tables: TableSize[],
    private readonly report: (p: BackupProgress) => void,
    private readonly pattern: RegExp,
  ) {
    for (const t of tables) this.byName.set(`${t.schema}.${t.name}`, t);
    this.bytesTotal = tables.reduce((s, t) => s + t.bytes, 0);
    this.rowsTotal = tables.reduce((s, t) => s + t.rows, 0);
  }

  line(line: string): void {
    const match = this.pattern.exec(line);
    if (!match) return;
    if (this.current) this.done.add(this.current);
    const name = `${match[1]}.${match[2]}`;
    this.current = this.byName.has(name) ? name : undefined;
    this.tick();
  }

  finish(): void {
    if (this.current) this.done.add(this.current);
    this.current = undefined;
    this.tick();
  }

  tick(): void {
    let bytesDone = 0;
    let rowsDone = 0;
    for (const name of this.done) {
      const t = this.byName.get(name)!;
      bytesDone += t.bytes;
      rowsDone += t.rows;
    }
    const elapsedMs = Date.now() - this.started;
    const fraction = this.bytesTotal > 0 ? bytesDone / this.bytesTotal : this.byName.size > 0 ? this.done.size / this.byName.size : 1;
    this.report({
      phase: this.phase,
      tablesDone: this.done.size,
      tablesTotal: this.byName.size,
      rowsDone,
      rowsTotal: this.rowsTotal,
      bytesDone,
      bytesTotal: this.bytesTotal,
      elapsedMs,
      etaMs: fraction > 0 && fraction < 1 ? (elapsedMs * (1 - fraction)) / fraction : fraction >= 1 ? 0 : undefined,
    });
  }
}

/** `pg_dump: dumping contents of table "public.users"` */
export const DUMP_LINE = /dumping contents of table "?([^".]+)"?\."?([^"]+)"?/;
/** `pg_restore: processing data for table "public.users"` */
export const RESTORE_LINE = /processing data for table "?([^".]+)"?\."?([^"]+)"?/;

/** The error for a run stopped by `signal`, saying what was left as it was. */
export function interrupted(signal: AbortSignal | undefined, what: string): MigratorError | undefined {
  if (!signal?.aborted) return undefined;
  const why = typeof signal.reason === 'string' ? signal.reason : 'a signal';
  return new MigratorError('E_INTERRUPTED', `interrupted by ${why}: ${what}`, { hint: 'run the command again when ready' });
}
