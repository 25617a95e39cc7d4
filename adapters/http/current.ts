/**
 * `current`: a GET that tells which version the target runs now, read at a
 * JSON path. Without it the adapter cannot see the target, and Baton relies
 * on its own ledger.
 */
import type { AdapterContext, Observed } from '../kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { stepStopped } from '../kit/stopped.ts';
import { isTemporaryStatus, parseJsonBody, quoteBody, statusLine } from './answers.ts';
import { valueAtJsonPath } from './json-path.ts';
import { displayUrl, type Redact } from './redaction.ts';
import type { CurrentSettings, HttpConfig } from './schema.ts';
import { send } from './send.ts';

function versionAt(settings: CurrentSettings, shown: string, document: unknown, redact: Redact): string | null {
  const lookup = valueAtJsonPath(document, settings.jsonPath);
  if (!lookup.found || lookup.value === null || lookup.value === '') return null;
  const { value } = lookup;
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TerminalStepError(
    redact(
      `${shown} holds ${Array.isArray(value) ? 'a list' : 'an object'} at ${settings.jsonPath}, not a version: ` +
        'point `current.jsonPath` at the version itself, e.g. $.deployment.version.',
    ),
  );
}

export async function observeCurrent(ctx: AdapterContext<HttpConfig>, redact: Redact): Promise<Observed> {
  const settings = ctx.config.current;
  if (settings === undefined) return { version: null };
  const shown = displayUrl(settings.url);
  const outcome = await send(
    { method: 'GET', url: settings.url, headers: settings.headers, redirect: 'follow' },
    ctx.signal,
  );
  if (outcome.kind === 'aborted') {
    throw stepStopped(
      ctx.signal,
      redact,
      `reading the version ${ctx.component} runs from ${shown}`,
      'Nothing was changed.',
    );
  }
  if (outcome.kind === 'unreachable') {
    throw new RetryableStepError(
      redact(
        `Could not reach ${shown} to read the version ${ctx.component} runs: ${outcome.reason}. Check \`current.url\` and that the server is up.`,
      ),
    );
  }
  const { answer } = outcome;
  if (answer.status < 200 || answer.status >= 300) {
    const said = redact(
      `${shown} answered ${statusLine(answer)} when Baton read the version ${ctx.component} runs: ${quoteBody(answer.body)}`,
    );
    if (isTemporaryStatus(answer.status))
      throw new RetryableStepError(`${said}\nThe server is busy or failing; it can be tried again.`);
    throw new TerminalStepError(
      `${said}\nFix \`current.url\` or \`current.headers\`, or leave \`current\` out to rely on Baton's ledger.`,
    );
  }
  const parsed = parseJsonBody(answer.body);
  if (!parsed.ok) {
    throw new TerminalStepError(
      redact(
        `${shown} answered ${statusLine(answer)}, but ${parsed.problem}: \`current\` needs a JSON answer. It was: ${quoteBody(answer.body)}`,
      ),
    );
  }
  return { version: versionAt(settings, shown, parsed.document, redact) };
}
