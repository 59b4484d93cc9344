import { HealthSchema } from '../domain/wire.ts';
import { defineRoute } from './route.ts';

export const SYSTEM_ROUTES = {
  getHealth: defineRoute({
    operationId: 'getHealth',
    method: 'GET',
    path: '/health',
    tag: 'system',
    summary: 'Liveness',
    scope: null,
    response: { kind: 'json', status: 200, schema: HealthSchema, doc: 'The server is up.' },
    errors: [],
  }),
} as const;
