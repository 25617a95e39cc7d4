/**
 * Turns a failed git command into a step error a person can act on, and
 * decides whether another attempt could pass: a dropped connection may, a
 * refused token will not.
 */
import { RetryableStepError, TerminalStepError } from '../../kit/step-errors.ts';
import { GitFailure, GitStopped } from './git.ts';
import { withoutCredentials } from './repository-address.ts';

const REFUSED_CREDENTIALS = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /permission denied \(publickey/i,
  /returned error: 40[13]/i,
  /access denied/i,
];

const NOT_FOUND = [/repository .* not found/i, /does not appear to be a git repository/i, /returned error: 404/i];

const NETWORK = [
  /could not resolve host/i,
  /connection (refused|reset|timed out)/i,
  /operation timed out/i,
  /remote end hung up/i,
  /rpc failed/i,
  /early eof/i,
  /returned error: 5\d\d/i,
  /unable to access/i,
  /ssl|tls|gnutls/i,
];

export interface GitAction {
  /** "fetch the config repository", "push to main"… */
  action: string;
  /** The repository as people may see it: without credentials. */
  repo: string;
  redact(text: string): string;
}

function lastLines(text: string, count = 6): string {
  const lines = withoutCredentials(text)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n  ');
}

export function gitStepError(error: unknown, { action, repo, redact }: GitAction): Error {
  if (error instanceof TerminalStepError || error instanceof RetryableStepError) return error;
  if (error instanceof GitStopped) {
    return new TerminalStepError(
      redact(
        `Could not ${action} of ${repo}: the step was cancelled or timed out while git ran (${error.reason}). ` +
          'Running the step again is safe: Baton finds a commit it already pushed by the step id.',
      ),
      {
        cause: error,
      },
    );
  }
  if (!(error instanceof GitFailure)) return error instanceof Error ? error : new Error(String(error));
  const said = lastLines(error.stderr || error.stdout);
  const quoted = said === '' ? '' : `\ngit said:\n  ${said}`;
  const say = (text: string): string => redact(`Could not ${action} of ${repo}: ${text}${quoted}`);
  if (REFUSED_CREDENTIALS.some((pattern) => pattern.test(error.stderr))) {
    return new TerminalStepError(
      say(
        "the repository refused Baton's credentials. Check the token or key in the `repo` setting " +
          '(usually the GITOPS_REPO secret): it must be valid and allowed to read and push this repository.',
      ),
    );
  }
  if (NOT_FOUND.some((pattern) => pattern.test(error.stderr))) {
    return new TerminalStepError(
      say("the repository was not found. Check the `repo` setting and that Baton's token can see it."),
    );
  }
  if (NETWORK.some((pattern) => pattern.test(error.stderr))) {
    return new RetryableStepError(say('the git server could not be reached or broke off; another attempt may pass.'));
  }
  return new TerminalStepError(
    say(`git exited with code ${error.exitCode}. Fix the cause, then run the promotion again.`),
  );
}
