/**
 * Follows one Kubernetes object until a judgement on its state says done or
 * failed, or time runs out. It reads the object, then watches it from that
 * resourceVersion; when the watch ends (the server closed it, the connection
 * dropped, the version expired with 410 Gone) it reads again and watches anew,
 * so no change is missed and a dropped watch costs one read.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { RetryableStepError } from '../../kit/step-errors.ts';
import { pause } from '../../kit/stopped.ts';

export interface Verdict {
  state: 'waiting' | 'done' | 'failed';
  /** One line for the step log: where the rollout or sync stands. */
  message: string;
}

export interface WatchResult {
  outcome: 'done' | 'failed' | 'timed-out';
  /** The last verdict's message (for a timeout: how far it got). */
  message: string;
}

interface WithResourceVersion {
  metadata?: { resourceVersion?: string };
}

export interface WatchUntilRequest<T extends WithResourceVersion> {
  kubeConfig: KubeConfig;
  /** The collection's path, e.g. /apis/apps/v1/namespaces/shop/deployments; the watch selects `name` in it. */
  collectionPath: string;
  name: string;
  read(signal: AbortSignal): Promise<T>;
  judge(object: T): Verdict | Promise<Verdict>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Called with each new progress message (repeats are left out). */
  onProgress(message: string): void;
  /** The step error for a failed read: a retryable one is tried again until the time is up, any other ends the wait. */
  readFailed(error: unknown): Error;
}

// Watches are cheap to reopen; the server closes them anyway after a while.
const WATCH_SECONDS = 300;
const REOPEN_PAUSE_MS = 100;
const MAX_READ_PAUSE_MS = 5_000;
/** Without permission to watch, Baton reads the object this often instead. */
const POLL_WITHOUT_WATCH_MS = 2_000;

/** How a watch ended without a verdict: closed or dropped (`ended`), or refused by RBAC (`refused`). */
type WatchEnd = 'ended' | 'refused';

export async function watchUntil<T extends WithResourceVersion>(request: WatchUntilRequest<T>): Promise<WatchResult> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error('the wait timed out')), request.timeoutMs);
  const stop = AbortSignal.any([request.signal, deadline.signal]);
  let last = 'no status seen yet';
  const report = (verdict: Verdict): void => {
    if (verdict.message !== last) request.onProgress(verdict.message);
    last = verdict.message;
  };
  const timedOut = (): WatchResult => ({ outcome: 'timed-out', message: last });
  let failedReads = 0;
  let toldRefused = false;
  try {
    for (;;) {
      if (request.signal.aborted) throw request.signal.reason;
      if (deadline.signal.aborted) return timedOut();
      let object: T;
      try {
        object = await request.read(stop);
        failedReads = 0;
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason;
        if (deadline.signal.aborted) return timedOut();
        const stepError = request.readFailed(error);
        if (!(stepError instanceof RetryableStepError)) throw stepError;
        failedReads += 1;
        report({ state: 'waiting', message: `${stepError.message} Trying again.` });
        await pause(Math.min(500 * 2 ** (failedReads - 1), MAX_READ_PAUSE_MS), stop).catch(() => undefined);
        continue;
      }
      const verdict = await request.judge(object);
      report(verdict);
      if (verdict.state !== 'waiting') return { outcome: verdict.state, message: verdict.message };
      const watched = await watchOnce(request, object.metadata?.resourceVersion, stop, report);
      if (typeof watched === 'object') return watched;
      if (watched === 'refused' && !toldRefused) {
        toldRefused = true;
        request.onProgress(
          `Baton may not watch ${request.name} (401/403), so it reads it every ${POLL_WITHOUT_WATCH_MS / 1000}s instead: grant RBAC "watch" for prompter updates`,
        );
      }
      await pause(watched === 'refused' ? POLL_WITHOUT_WATCH_MS : REOPEN_PAUSE_MS, stop).catch(() => undefined);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with a final result, or how the watch ended first (`stop` firing counts as ended). */
function watchOnce<T extends WithResourceVersion>(
  request: WatchUntilRequest<T>,
  resourceVersion: string | undefined,
  stop: AbortSignal,
  report: (verdict: Verdict) => void,
): Promise<WatchResult | WatchEnd> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let connection: AbortController | undefined;
    let judging: Promise<void> = Promise.resolve();
    const finish = (result: WatchResult | WatchEnd, error?: unknown): void => {
      if (settled) return;
      settled = true;
      stop.removeEventListener('abort', onStop);
      connection?.abort();
      if (error === undefined) resolve(result);
      else reject(error);
    };
    const onStop = (): void => finish('ended');
    if (stop.aborted) {
      finish('ended');
      return;
    }
    stop.addEventListener('abort', onStop, { once: true });

    const onEvent = (phase: string, object: T): void => {
      // ERROR carries a Status (410 Gone: the version is too old); DELETED shows on the next read as 404.
      if (phase === 'ERROR' || phase === 'DELETED') {
        finish('ended');
        return;
      }
      if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
      judging = judging
        .then(async () => {
          if (settled) return;
          const verdict = await request.judge(object);
          report(verdict);
          if (verdict.state !== 'waiting') finish({ outcome: verdict.state, message: verdict.message });
        })
        .catch((error: unknown) => finish('ended', error));
    };

    new Watch(request.kubeConfig)
      .watch(
        request.collectionPath,
        {
          fieldSelector: `metadata.name=${request.name}`,
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: WATCH_SECONDS,
        },
        onEvent,
        (error: unknown) => {
          const status = (error as { statusCode?: unknown } | null)?.statusCode;
          const end: WatchEnd = status === 401 || status === 403 ? 'refused' : 'ended';
          // Let a verdict on the last event land before reporting that the watch ended.
          void judging.then(() => finish(end));
        },
      )
      .then(
        (controller) => {
          connection = controller;
          if (settled) controller.abort();
        },
        () => finish('ended'),
      );
  });
}
