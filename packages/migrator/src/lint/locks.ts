/**
 * PostgreSQL's table-level lock modes and what each one blocks.
 * https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES
 */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

/** Table 13.2 "Conflicting Lock Modes": which modes each mode conflicts with. */
const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

export function conflicts(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

/** The stronger of two modes (LOCK_MODES is ordered by strength). */
export function stronger(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

/** pg_locks.mode (`AccessExclusiveLock`) -> `ACCESS EXCLUSIVE`. */
export function lockModeFromPg(mode: string): LockMode | undefined {
  const words = mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : undefined;
}

/**
 * What the application can no longer do on the table while the lock is held, in the words an
 * application developer uses: reads are SELECT, writes are INSERT/UPDATE/DELETE.
 */
export function blocks(mode: LockMode): string {
  switch (mode) {
    case 'ACCESS EXCLUSIVE':
      return 'blocks every read and write';
    case 'EXCLUSIVE':
      return 'blocks every write and SELECT ... FOR UPDATE/SHARE; plain reads continue';
    case 'SHARE ROW EXCLUSIVE':
    case 'SHARE':
      return 'blocks every write (INSERT, UPDATE, DELETE); reads continue';
    case 'SHARE UPDATE EXCLUSIVE':
      return 'blocks VACUUM, ANALYZE and other schema changes; reads and writes continue';
    case 'ROW EXCLUSIVE':
      return 'blocks CREATE INDEX and other share locks; reads and writes continue, but rows it changes stay locked until commit';
    case 'ROW SHARE':
      return 'blocks only EXCLUSIVE and ACCESS EXCLUSIVE locks';
    case 'ACCESS SHARE':
      return 'blocks only ACCESS EXCLUSIVE locks';
  }
}

/** `ACCESS EXCLUSIVE lock on auth.users (blocks every read and write)`. */
export function describeLock(mode: LockMode, relation: string): string {
  return `${mode} lock on ${relation} (${blocks(mode)})`;
}
