import { redactUrl, repair, type EditedMigration } from '@big0290/migrator';
import { table, type Output } from '../output.js';
import type { MigrationsFlags, TargetFlags } from '../options.js';
import { migrationsFolderOf } from '../project.js';
import { resolveTarget } from '../target.js';

export interface DbRepairOptions extends TargetFlags, MigrationsFlags {
  accept?: string[] | undefined;
  lockWait?: number | undefined;
}

/**
 * `sdk db repair [--accept TAG...]`: lists the applied migrations whose files changed since they
 * were applied and what changed; --accept records the current text as applied (runs nothing).
 */
export async function dbRepair(options: DbRepairOptions, out: Output): Promise<number> {
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const target = await resolveTarget(options, out);
  try {
    const result = await repair({
      databaseUrl: target.url,
      migrationsFolder,
      accept: options.accept ?? [],
      advisoryLockWaitMs: options.lockWait,
      onLockWait: () => out.info('waiting for the migration lock held by another run'),
    });
    if (out.json) {
      out.resultJson({ target: redactUrl(target.url), ...result });
      return 0;
    }
    const lines: string[] = [];
    if (result.edited.length === 0) lines.push('No applied migration was edited since it was applied.');
    else {
      lines.push('Applied migrations whose files changed since:', '');
      lines.push(table([['TAG', 'CHANGE', 'FILE'], ...result.edited.map((e) => [e.tag, describe(e), e.path])]));
    }
    for (const tag of result.accepted) {
      const e = result.edited.find((x) => x.tag === tag)!;
      lines.push(
        '',
        `Recorded ${tag} as applied with its current text (sha256 ${e.appliedHash.slice(0, 12)}… -> ${e.fileHash.slice(0, 12)}…).`,
        ...(e.edit.change === 'comments' ? [] : ['Nothing was run: the database keeps what the earlier text did. Put schema changes in a new migration.']),
      );
    }
    const pending = result.edited.filter((e) => !result.accepted.includes(e.tag));
    if (result.accepted.length === 0 && pending.length > 0) {
      lines.push('', `Next: check each change, then \`pnpm sdk db repair --accept ${pending[0]!.tag}\` records it; or restore the text that was applied.`);
    }
    out.result(lines.join('\n'));
    return 0;
  } finally {
    await target.close();
  }
}

function describe(e: EditedMigration): string {
  if (e.edit.change === 'comments') return 'comments and whitespace only (does not block)';
  if (e.edit.change === 'unknown') return 'unknown: the applied text is not in git to compare (blocks migrate)';
  return `${e.edit.statements?.length ? `statement ${e.edit.statements.join(', ')} changed` : 'statements changed'} (blocks migrate)`;
}
