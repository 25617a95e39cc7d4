/**
 * The dashboard's JSON API, behind the console's own access check: what runs
 * where, DORA figures with their trend, recent promotions, and a drift check
 * a person asks for. Query values are checked before they reach a store.
 */
import type { DashboardQueries } from '../../core/dashboard/dashboard-queries.ts';
import { PROMOTION_STATES } from '../../core/dashboard/dashboard-queries.ts';
import { DORA_DEFAULT_DAYS, DORA_MAX_DAYS } from '../../core/dora-query.ts';
import type { PromotionState } from '../../core/model.ts';
import { BatonError, ErrorCode, quoteInput } from '../../errors.ts';
import type { AccessCheck, HttpServer, JsonResult, RouteResult } from '../../http/server.ts';

const PROMOTIONS_SHOWN = 50;
/** Longer than any name a person or environment has; longer input is refused, not cut. */
const MOST_NAME_LENGTH = 100;

function badRequest(field: string, error: string): JsonResult {
  return { status: 400, json: { error, field } };
}

/** An optional text parameter: absent or empty means "any". */
function textParameter(
  query: URLSearchParams,
  field: string,
): { ok: true; value?: string } | { ok: false; result: JsonResult } {
  const value = query.get(field)?.trim();
  if (!value) return { ok: true };
  if (value.length > MOST_NAME_LENGTH)
    return {
      ok: false,
      result: badRequest(field, `${field} is longer than ${MOST_NAME_LENGTH} characters: no ${field} has such a name.`),
    };
  return { ok: true, value };
}

/** A missing environment is an answer (404), not a failure. */
async function answering(run: () => Promise<unknown>): Promise<RouteResult> {
  try {
    return { status: 200, json: await run() };
  } catch (error) {
    if (error instanceof BatonError && error.code === ErrorCode.NotFound)
      return { status: 404, json: { error: error.message, field: 'environment' } };
    throw error;
  }
}

export function registerDashboardRoutes(
  server: Pick<HttpServer, 'route'>,
  dashboard: DashboardQueries,
  access: AccessCheck | undefined,
): void {
  const options = access ? { access } : {};
  server.route('GET', '/api/dashboard/matrix', () => answering(() => dashboard.matrix()), options);

  server.route(
    'GET',
    '/api/dashboard/dora',
    ({ query }) => {
      const environment = textParameter(query, 'environment');
      if (!environment.ok) return environment.result;
      const daysText = query.get('days') ?? String(DORA_DEFAULT_DAYS);
      const days = Number(daysText);
      if (!/^\d{1,3}$/.test(daysText) || days < 1 || days > DORA_MAX_DAYS) {
        return badRequest(
          'days',
          `days must be a whole number from 1 to ${DORA_MAX_DAYS} (the default is ${DORA_DEFAULT_DAYS}).`,
        );
      }
      return answering(() => dashboard.dora(environment.value, days));
    },
    options,
  );

  server.route(
    'GET',
    '/api/dashboard/promotions',
    ({ query }) => {
      const environment = textParameter(query, 'environment');
      if (!environment.ok) return environment.result;
      const person = textParameter(query, 'person');
      if (!person.ok) return person.result;
      const state = query.get('state') || undefined;
      if (state !== undefined && !(PROMOTION_STATES as readonly string[]).includes(state)) {
        return badRequest(
          'state',
          `state ${quoteInput(state)} is not a promotion state: use one of ${PROMOTION_STATES.join(', ')}.`,
        );
      }
      return answering(() =>
        dashboard.promotions({
          limit: PROMOTIONS_SHOWN,
          ...(environment.value ? { environment: environment.value } : {}),
          ...(person.value ? { person: person.value } : {}),
          ...(state ? { state: state as PromotionState } : {}),
        }),
      );
    },
    options,
  );

  server.route(
    'POST',
    '/api/dashboard/drift',
    ({ body }) => {
      const environment =
        typeof body === 'object' && body !== null ? (body as { environment?: unknown }).environment : undefined;
      if (typeof environment !== 'string' || environment.trim() === '' || environment.length > MOST_NAME_LENGTH) {
        return badRequest('environment', 'Send { "environment": "<name>" }: the environment whose targets to read.');
      }
      return answering(() => dashboard.checkDrift(environment.trim()));
    },
    options,
  );
}
