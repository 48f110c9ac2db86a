import { inspectLocks } from '../db/locks.js';
import { DEFAULT_LONG_TRANSACTION_MS } from '../db/defaults.js';
import { planMigrations, type LockSession, type PlannedMigrationReport, type PlanReport } from '../inspect/index.js';
import type { SessionActivity } from '../db/types.js';
import { windowState, type MaintenanceWindow } from '../util/window.js';

/** What the preflight read, and what it found wrong. */
export interface PreflightResult {
  serverVersion: string;
  /** The pending migrations this deploy's phase runs, in order. */
  toRun: PlannedMigrationReport[];
  /** Every pending migration. */
  pending: number;
  problems: string[];
}

/**
 * The migrations a phase runs: `expand` stops before the first contract migration, as `migrate`
 * does; `contract` and `all` run every pending one (`migrate` refuses a contract run while an
 * expand migration is still pending before it, naming it).
 */
export function migrationsOfPhase(plan: readonly PlannedMigrationReport[], phase: 'expand' | 'contract' | 'all'): PlannedMigrationReport[] {
  if (phase !== 'expand') return [...plan];
  const firstContract = plan.findIndex((m) => m.phase === 'contract');
  return firstContract < 0 ? [...plan] : plan.slice(0, firstContract);
}

const seconds = (s: number | null) => (s === null ? '' : `, for ${s} s`);

function sessionLine(s: { pid: number; user?: string | null | undefined; state: string | null; transactionSeconds: number | null; query: string }): string {
  return `pid ${s.pid}${s.user ? ` (${s.user})` : ''} ${s.state ?? 'in an unknown state'}${seconds(s.transactionSeconds)}, last query: ${s.query || '(none)'}`;
}

/**
 * Reads, without changing anything, what would make the deploy unsafe right now: the pending
 * migrations' lint errors (judged against the live database, as `planMigrations` does), sessions
 * holding or waiting for locks on the tables they touch (each statement would queue behind them
 * and every query on the table behind it: https://www.postgresql.org/docs/current/explicit-locking.html),
 * transactions and idle-in-transaction sessions older than the bound (a CONCURRENTLY build waits
 * for them, and they hold their locks), and a contract step outside the maintenance window.
 */
export async function preflight(options: {
  databaseUrl: string;
  migrationsFolder: string;
  phase: 'expand' | 'contract' | 'all';
  allowLintErrors: boolean;
  longTransactionMs: number | undefined;
  window: MaintenanceWindow | undefined;
  now: Date;
}): Promise<PreflightResult> {
  const longMs = options.longTransactionMs ?? DEFAULT_LONG_TRANSACTION_MS;
  const plan: PlanReport = await planMigrations({
    databaseUrl: options.databaseUrl,
    migrationsFolder: options.migrationsFolder,
    measureRates: false,
    longTransactionSeconds: Math.round(longMs / 1000),
  });
  const toRun = migrationsOfPhase(plan.migrations, options.phase);
  const problems: string[] = [];

  if (!options.allowLintErrors) {
    for (const m of toRun) {
      for (const v of [...m.fileViolations, ...m.statements.flatMap((s) => s.violations)]) {
        if (v.severity !== 'error') continue;
        // One line each: the rule's help (the safe recipe) is many lines, and `sdk db lint` shows it.
        problems.push(`lint error in ${m.tag} line ${v.line} (${v.rule}): ${v.message.replace(/\.$/, '')}; \`sdk db lint\` shows the safe way to do it (or deploy anyway with \`allowLintErrors\`)`);
      }
    }
  }

  // Only the tables this phase's migrations touch: a lock on another table is not in the way.
  const touched = new Set(toRun.flatMap((m) => m.statements.flatMap((s) => s.effects.map((e) => e.relation))));
  const inTheWay = new Set<number>();
  for (const s of plan.lockHolders) {
    const locks = s.locks.filter((l) => touched.has(l.relation));
    if (locks.length === 0) continue;
    inTheWay.add(s.pid);
    const what = locks.map((l) => `${l.granted ? 'holds' : 'waits for'} ${l.mode} on ${l.relation}`).join(', ');
    problems.push(
      `session ${sessionLine(s)} ${what}, which the migrations lock: they would queue behind it and every query on the table behind them; let it finish, or end it (\`sdk db locks\` with \`terminate\` ${s.pid})`,
    );
  }

  const locks = await inspectLocks({ databaseUrl: options.databaseUrl, longTransactionMs: longMs });
  const bound = Math.round(longMs / 1000);
  const old = (s: SessionActivity) => !inTheWay.has(s.pid) && (s.transactionSeconds ?? 0) >= bound;
  for (const s of locks.longTransactions.filter(old)) {
    problems.push(
      `session ${sessionLine(s)} has a transaction open longer than ${bound} s: an index built CONCURRENTLY waits for it to end, and it holds its locks; let it finish, or end it (\`sdk db locks\` with \`terminate\` ${s.pid})`,
    );
  }
  for (const s of locks.idleInTransaction.filter(old)) {
    problems.push(
      `session ${sessionLine(s)} is idle in a transaction open longer than ${bound} s: it holds its locks while doing nothing; end it (\`sdk db locks\` with \`terminate\` ${s.pid}) and fix the application that leaves it open`,
    );
  }

  if (options.window) {
    const contract = toRun.filter((m) => m.phase === 'contract');
    const state = windowState(options.window, options.now);
    if (contract.length > 0 && !state.inWindow) {
      const opens = state.opensAt ? `; it opens at ${state.opensAt.toISOString()}` : '';
      problems.push(
        `${contract.map((m) => m.tag).join(', ')} ${contract.length === 1 ? 'is a contract step' : 'are contract steps'} (they break the application version running now) and the maintenance window "${options.window.text}" is closed${opens}; deploy them then, or deploy \`phase\` expand now`,
      );
    }
  }

  return { serverVersion: plan.serverVersion, toRun, pending: plan.migrations.length, problems };
}
