import { execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';

export interface Actor {
  user: string;
  host: string;
  gitSha: string | null;
}

/** Who runs the migration, for the audit history: OS user, host, and the git commit when known. */
export function currentActor(overrides: { user?: string | undefined; host?: string | undefined; gitSha?: string | undefined } = {}): Actor {
  return {
    user: overrides.user ?? safe(() => userInfo().username) ?? 'unknown',
    host: overrides.host ?? hostname(),
    gitSha: overrides.gitSha ?? gitSha(),
  };
}

function gitSha(): string | null {
  const env = process.env;
  const fromEnv = env.SDK_GIT_SHA ?? env.GITHUB_SHA ?? env.CI_COMMIT_SHA ?? env.GIT_COMMIT ?? env.SOURCE_VERSION;
  if (fromEnv) return fromEnv;
  return safe(() => execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000 }).toString().trim()) ?? null;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
