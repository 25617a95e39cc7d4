/**
 * Per-call options for the generated API clients: the step's abort signal on
 * every request, and the patch content type. `@kubernetes/client-node` v2
 * sends patches as JSON Patch unless the call says otherwise.
 */
import {
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type ObservableMiddleware,
} from '@kubernetes/client-node';

function abortOn(signal: AbortSignal): ObservableMiddleware {
  return {
    pre: (request) => {
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
}

export function callOptions(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return { middleware: [abortOn(signal)], middlewareMergeStrategy: 'append' };
}

/** A strategic merge patch: a container in the patch is matched to the live one by name. */
export function strategicMergePatchOptions(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, callOptions(signal));
}
