/** `GET /api/dora?environment=<env>&days=N`: the DORA figures as JSON, for dashboards and reports. */
import { DORA_DEFAULT_DAYS, DORA_MAX_DAYS } from '../core/dora-query.ts';
import type { PromotionIntents } from '../core/intents.ts';
import { BatonError, ErrorCode } from '../errors.ts';
import type { AccessCheck, HttpServer } from './server.ts';

export function registerDoraRoute(
  server: Pick<HttpServer, 'route'>,
  promotions: PromotionIntents,
  access: AccessCheck,
): void {
  server.route(
    'GET',
    '/api/dora',
    async ({ query }) => {
      const daysText = query.get('days');
      const days = daysText === null ? DORA_DEFAULT_DAYS : Number(daysText);
      if (!/^\d+$/.test(daysText ?? '30') || days < 1 || days > DORA_MAX_DAYS) {
        return {
          status: 400,
          json: {
            error: `days must be a whole number from 1 to ${DORA_MAX_DAYS} (the default is ${DORA_DEFAULT_DAYS}).`,
          },
        };
      }
      try {
        return { status: 200, json: await promotions.dora(query.get('environment') ?? undefined, days) };
      } catch (error) {
        if (error instanceof BatonError && error.code === ErrorCode.NotFound)
          return { status: 404, json: { error: error.message } };
        throw error;
      }
    },
    { access },
  );
}
