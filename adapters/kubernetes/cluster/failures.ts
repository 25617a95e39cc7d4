/**
 * Reads what went wrong in a call to the Kubernetes API: the HTTP status and
 * the API server's `Status` message, or the network error underneath. The
 * client library's own error text carries response headers, so it is never shown as is.
 */
import { ApiException } from '@kubernetes/client-node';
import { errorMessage } from '../../../src/errors.ts';
import { RetryableStepError, TerminalStepError } from '../../kit/step-errors.ts';

export interface ApiFailure {
  /** The HTTP status, or null when no answer came (refused, reset, DNS, TLS). */
  status: number | null;
  /** The Status `reason` (NotFound, Conflict, Forbidden…), when the server sent one. */
  reason: string | null;
  /** The server's message, or what broke the connection. */
  detail: string;
}

function statusBody(body: unknown): { message?: string; reason?: string } {
  if (typeof body === 'string') {
    try {
      return statusBody(JSON.parse(body));
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  if (body !== null && typeof body === 'object') {
    const { message, reason } = body as { message?: unknown; reason?: unknown };
    return {
      ...(typeof message === 'string' ? { message } : {}),
      ...(typeof reason === 'string' ? { reason } : {}),
    };
  }
  return {};
}

/** undici reports "fetch failed" and keeps the real cause (ECONNREFUSED, a TLS error) underneath. */
function networkDetail(error: unknown): string {
  let cause: unknown = error;
  let detail = errorMessage(error);
  while (cause instanceof Error && cause.cause !== undefined) {
    cause = cause.cause;
    const code = (cause as NodeJS.ErrnoException).code;
    detail = `${errorMessage(cause)}${code && !errorMessage(cause).includes(code) ? ` (${code})` : ''}`;
  }
  return detail;
}

function apiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiException) {
    const body = statusBody(error.body);
    return { status: error.code, reason: body.reason ?? null, detail: body.message ?? `HTTP ${error.code}` };
  }
  return { status: null, reason: null, detail: networkDetail(error) };
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiException && error.code === 409;
}

export interface ApiCall {
  /** What Baton was doing: "read deployment api in namespace shop". */
  action: string;
  /** Which cluster: a context name, a kubeconfig file, or "in-cluster". */
  cluster: string;
  /** Kubernetes' verb and resource, for RBAC advice: "patch", "deployments.apps". */
  verb: string;
  resource: string;
  namespace: string;
  redact(text: string): string;
}

/** The step error for a failed call: terminal when retrying cannot help, retryable when the cluster may answer next time. */
export function clusterStepError(error: unknown, call: ApiCall): Error {
  if (error instanceof TerminalStepError || error instanceof RetryableStepError) return error;
  const failure = apiFailure(error);
  const head = `Could not ${call.action} (cluster ${call.cluster})`;
  const say = (text: string): string => call.redact(`${head}: ${text}`);
  switch (failure.status) {
    case null:
      return new RetryableStepError(
        say(`the API server could not be reached (${failure.detail}); another attempt may pass.`),
      );
    case 401:
      return new TerminalStepError(
        say(
          "the API server refused Baton's credentials (401 Unauthorized). The token or client certificate of this cluster is invalid or expired: renew it in the kubeconfig or the service account, then run again.",
        ),
      );
    case 403:
      return new TerminalStepError(
        say(
          `Baton's account lacks the permission (403 Forbidden: ${failure.detail}). Grant it RBAC "${call.verb}" on ${call.resource} in namespace ${call.namespace}.`,
        ),
      );
    case 404:
      return new TerminalStepError(
        say(
          `it does not exist (404: ${failure.detail}). Check the kind, namespace and name settings, and that the context points at the right cluster.`,
        ),
      );
    case 409:
      return new RetryableStepError(
        say(
          `someone else kept changing it at the same time (409 Conflict: ${failure.detail}); another attempt may pass.`,
        ),
      );
    case 429:
      return new RetryableStepError(
        say(`the API server asked Baton to slow down (429: ${failure.detail}); another attempt may pass.`),
      );
    default:
      if (failure.status >= 500) {
        return new RetryableStepError(
          say(`the API server failed (${failure.status}: ${failure.detail}); another attempt may pass.`),
        );
      }
      return new TerminalStepError(
        say(
          `the API server refused the request (${failure.status}${failure.reason ? ` ${failure.reason}` : ''}: ${failure.detail}).`,
        ),
      );
  }
}
