import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';

/** How many commits of a file's history are searched for the text that was applied. */
const HISTORY_LIMIT = 200;

function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

/** Whether git tracks the file (so `git checkout -- FILE` can restore it). */
export async function isTrackedByGit(path: string): Promise<boolean> {
  return (await git(['ls-files', '--error-unmatch', '--', basename(path)], dirname(path))) !== undefined;
}

/**
 * The text the file had when its sha256 was `sha256`, from its git history (newest first), if git
 * has it: what was applied, to compare with the file as it is now.
 */
export async function committedTextWithHash(path: string, sha256: string): Promise<string | undefined> {
  const cwd = dirname(path);
  const commits = await git(['log', `--max-count=${HISTORY_LIMIT}`, '--format=%H', '--', basename(path)], cwd);
  for (const commit of commits?.split('\n').filter(Boolean) ?? []) {
    const text = await git(['show', `${commit}:./${basename(path)}`], cwd);
    if (text !== undefined && createHash('sha256').update(text).digest('hex') === sha256) return text;
  }
  return undefined;
}
