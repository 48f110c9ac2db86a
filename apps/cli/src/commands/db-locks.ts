import { endSession, inspectLocks, watchLocks, type BlockingNode, type EndSessionAction, type LocksReport, type SessionActivity } from '@big0290/migrator';
import { DEFAULT_LONG_TRANSACTION_MS } from '@big0290/migrator/defaults';
import { ask } from '../ask.js';
import { interruptible } from '../interrupt.js';
import { age, type Output } from '../output.js';
import type { TargetFlags } from '../options.js';
import { UsageError } from '../run.js';
import { resolveTarget } from '../target.js';

export interface DbLocksOptions extends TargetFlags {
  watch?: boolean;
  long?: number;
  cancel?: number;
  terminate?: number;
  yes?: boolean;
}

/**
 * `sdk db locks`: who blocks whom, lock waits, long and idle-in-transaction sessions; with
 * --watch, again every second until Ctrl-C; with --cancel/--terminate PID, ends one session
 * after asking (or with --yes).
 */
export async function dbLocks(options: DbLocksOptions, out: Output): Promise<number> {
  const action: EndSessionAction | undefined = options.cancel !== undefined ? 'cancel' : options.terminate !== undefined ? 'terminate' : undefined;
  if (action && options.watch) throw new UsageError(`--watch and --${action} do not go together: watch first, then run \`sdk db locks --${action} PID\``);
  if (action && !options.yes && (!process.stdin.isTTY || !process.stderr.isTTY || out.json)) {
    throw new UsageError(`--${action} asks for confirmation and there is no terminal to ask on: add --yes to ${action} without asking`);
  }
  const target = await resolveTarget(options, out);
  try {
    if (action) return await end(action, (options.cancel ?? options.terminate)!, target.url, options, out);
    const longTransactionMs = options.long ?? DEFAULT_LONG_TRANSACTION_MS;
    if (!options.watch) {
      const report = await inspectLocks({ databaseUrl: target.url, longTransactionMs });
      if (out.json) out.resultJson(report);
      else out.result(renderLocks(report));
      return 0;
    }
    const stop = interruptible(out);
    const screen = process.stdout.isTTY === true && !out.json;
    try {
      await watchLocks({
        databaseUrl: target.url,
        longTransactionMs,
        signal: stop.signal,
        onReport: (report) => {
          // One compact JSON object per line with --json; on a terminal the screen is redrawn.
          if (out.json) process.stdout.write(`${out.scrub(JSON.stringify(report))}\n`);
          else out.result(`${screen ? '\x1b[H\x1b[2J' : ''}${renderLocks(report)}\n(every second; Ctrl-C to stop)${screen ? '' : '\n'}`);
        },
      });
    } finally {
      stop.dispose();
    }
    // Ctrl-C is how a watch ends: not a failure.
    return 0;
  } finally {
    await target.close();
  }
}

async function end(action: EndSessionAction, pid: number, databaseUrl: string, options: DbLocksOptions, out: Output): Promise<number> {
  const result = await endSession({
    databaseUrl,
    pid,
    action,
    confirm: async (session) => {
      if (options.yes) return true;
      out.info(`pid ${session.pid}: ${describe(session)}`);
      out.info(action === 'cancel' ? 'Its running query will fail with "canceling statement due to user request"; the session stays.' : 'The session ends and its open transaction rolls back.');
      return ask(`${action === 'cancel' ? 'Cancel the query of' : 'Terminate'} pid ${session.pid}? [y/N] `);
    },
  });
  if (out.json) out.resultJson(result);
  else if (!result.confirmed) out.result(`Nothing was done: pid ${pid} was left alone.`);
  else if (!result.signalled) out.result(`pid ${pid} was gone before the signal: nothing was done.`);
  else if (action === 'cancel') out.result(`Cancelled the query of pid ${pid} (${result.session.query || 'no query'}).`);
  else out.result(result.ended ? `Terminated pid ${pid}: its session ended and its transaction rolled back.` : `Sent terminate to pid ${pid}; it has not ended yet (\`sdk db locks\` shows it while it rolls back).`);
  // Declined at the prompt: nothing was done, which a script must not take for success.
  return result.confirmed && result.signalled ? 0 : 1;
}

/** `idle in transaction 2 min, app (web), transaction 2 min: UPDATE ...` */
function describe(s: SessionActivity): string {
  const state = s.waitEventType === 'Lock' ? `waiting ${age(s.stateSeconds ?? 0)} for ${s.waitingFor ?? 'a lock'}` : `${s.state ?? 'unknown state'}${s.stateSeconds !== null ? ` ${age(s.stateSeconds)}` : ''}`;
  const who = [s.user, s.application ? `(${s.application})` : ''].filter(Boolean).join(' ');
  const xact = s.transactionSeconds !== null ? `, transaction open ${age(s.transactionSeconds)}` : '';
  return `${state}${who ? `, ${who}` : ''}${xact}${s.query ? `: ${s.query}` : ''}`;
}

function tree(nodes: readonly BlockingNode[], prefix: string, lines: string[]): void {
  nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}pid ${node.pid} ${node.cycle ? '(waits in a cycle, see above)' : describe(node)}`);
    tree(node.blocks, `${prefix}${last ? '   ' : '│  '}`, lines);
  });
}

function section(lines: string[], title: string, sessions: readonly SessionActivity[], none: string): void {
  lines.push('', `${title}:${sessions.length === 0 ? ` ${none}` : ''}`);
  for (const s of sessions) lines.push(`  pid ${s.pid} ${describe(s)}`);
}

export function renderLocks(report: LocksReport): string {
  const lines = [`Database ${report.database} (${report.target}) at ${report.at}`, '', `Blocking:${report.blocking.length === 0 ? ' no session waits for another' : ''}`];
  for (const root of report.blocking) {
    lines.push(`  pid ${root.pid} ${describe(root)}`);
    tree(root.blocks, '  ', lines);
  }
  section(lines, 'Lock waits', report.waiting, 'none');
  section(lines, `Long transactions (open ${age(report.longTransactionSeconds)} or more)`, report.longTransactions, 'none');
  section(lines, 'Idle in transaction (holding their locks, holding back VACUUM)', report.idleInTransaction, 'none');
  if (report.blocking.length > 0 || report.idleInTransaction.length > 0) {
    lines.push('', 'To end one: `sdk db locks --cancel PID` cancels its query; `sdk db locks --terminate PID` ends its session (its transaction rolls back). Both ask first.');
  }
  return lines.join('\n');
}
