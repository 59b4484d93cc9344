import {
  DailyCreateSchema,
  DailyDeleteQuerySchema,
  DailyListQuerySchema,
  DailyListSchema,
  DailyMeasureParamsSchema,
  DailySchema,
} from '../domain/wire.ts';
import { AUTH_ERRORS, defineRoute } from './route.ts';

export const DAILY_ROUTES = {
  listDailies: defineRoute({
    operationId: 'listDailies',
    method: 'GET',
    path: '/api/v1/dailies/{measure}',
    tag: 'dailies',
    summary: 'A daily measure, one row per date',
    description:
      'Exactly one row per date from `start` to `end`, ascending: `stored` (with its `source`), `estimated` (with `interpolate=true`: body mass and body fat linearly between stored values, sleep altitude carried forward then back, the cycle day counted on; stored values outside the range count) or `missing`.',
    scope: 'data:read',
    params: DailyMeasureParamsSchema,
    query: DailyListQuerySchema,
    response: { kind: 'json', status: 200, schema: DailyListSchema, doc: 'One row per date.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_DATE_RANGE_INVALID', 'ERR_DATE_RANGE_TOO_LONG'],
  }),
  setDaily: defineRoute({
    operationId: 'setDaily',
    method: 'POST',
    path: '/api/v1/dailies/{measure}',
    tag: 'dailies',
    summary: 'Store a day’s value (an upsert)',
    description: 'Stored as `manual`; a manual value is never replaced by an integration import.',
    scope: 'data:write',
    params: DailyMeasureParamsSchema,
    body: DailyCreateSchema,
    bodyType: 'json',
    response: { kind: 'json', status: 200, schema: DailySchema, doc: 'The day as stored.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID'],
  }),
  deleteDaily: defineRoute({
    operationId: 'deleteDaily',
    method: 'DELETE',
    path: '/api/v1/dailies/{measure}',
    tag: 'dailies',
    summary: 'Delete a day’s value',
    scope: 'data:write',
    params: DailyMeasureParamsSchema,
    query: DailyDeleteQuerySchema,
    response: { kind: 'empty', status: 204, doc: 'Deleted.' },
    errors: [...AUTH_ERRORS, 'ERR_REQUEST_INVALID', 'ERR_DAILY_NOT_FOUND'],
  }),
} as const;
