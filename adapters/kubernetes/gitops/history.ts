/**
 * Questions Baton asks the fetched remote history: did this step already
 * push its commit, which commit last set the files, is one commit part of another's past.
 */
import type { WorkingCopy } from './working-copy.ts';

const FIELD = '\x1f';
const RECORD = '\x1e';

/** The newest commit on the remote branch whose `trailer` is exactly `value`, or null. */
export async function findCommitWithTrailer(copy: WorkingCopy, trailer: string, value: string): Promise<string | null> {
  const { stdout } = await copy.gitFor('search the history', [
    'log',
    copy.remoteRef,
    '--fixed-strings',
    `--grep=${trailer}: ${value}`,
    `--format=%H${FIELD}%(trailers:key=${trailer},valueonly,separator=%x1f)${RECORD}`,
  ]);
  for (const record of stdout.split(RECORD)) {
    const [commit, ...values] = record.trim().split(FIELD);
    // --grep matches substrings (step-1 in step-10); the trailer must match whole.
    if (commit && values.map((text) => text.trim()).includes(value)) return commit;
  }
  return null;
}

/** The newest commit on the remote branch that changed any of `files`, or null when none did. */
export async function lastCommitTouching(copy: WorkingCopy, files: readonly string[]): Promise<string | null> {
  const { stdout } = await copy.gitFor('search the history', [
    'log',
    '-1',
    '--format=%H',
    copy.remoteRef,
    '--',
    ...files,
  ]);
  return stdout.trim() || null;
}

export async function headCommit(copy: WorkingCopy, ref = 'HEAD'): Promise<string> {
  const { stdout } = await copy.gitFor('read the working copy', ['rev-parse', '--verify', `${ref}^{commit}`]);
  return stdout.trim();
}

/**
 * Whether `commit` is `revision` or in its past: `yes`, `no`, or `unknown`
 * when this copy has never seen `revision` (it is on another branch, or newer than the last fetch).
 */
export async function isAtOrAfter(
  copy: WorkingCopy,
  commit: string,
  revision: string,
): Promise<'yes' | 'no' | 'unknown'> {
  if (commit === revision) return 'yes';
  const known = await copy.git(['cat-file', '-e', `${revision}^{commit}`], { acceptExitCodes: [1, 128] });
  if (known.exitCode !== 0) return 'unknown';
  const { exitCode } = await copy.git(['merge-base', '--is-ancestor', commit, revision], { acceptExitCodes: [1] });
  return exitCode === 0 ? 'yes' : 'no';
}
