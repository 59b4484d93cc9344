import { ACTIVITY_ROUTES } from './activities.ts';
import { APP_METADATA_ROUTES } from './app-metadata.ts';
import { APPLICATION_ROUTES } from './applications.ts';
import { DAILY_ROUTES } from './dailies.ts';
import { DELEGATION_ROUTES } from './delegation.ts';
import { IMPORT_ROUTES } from './imports.ts';
import { LONGITUDINAL_ROUTES } from './longitudinal.ts';
import { METABOLIC_PROFILE_ROUTES } from './metabolic-profile.ts';
import { PAGE_ROUTES } from './pages.ts';
import { PROFILE_ROUTES } from './profile.ts';
import type { RouteSpec } from './route.ts';
import { SYSTEM_ROUTES } from './system.ts';
import { TEAM_ROUTES } from './teams.ts';
import { TEST_ROUTES, TRACE_ROUTES } from './tests.ts';
import { USER_ROUTES } from './users.ts';
import { WEBHOOK_ROUTES } from './webhooks.ts';

/**
 * The whole API, one entry per operation. Static paths are listed before `{id}` paths of the same
 * prefix only for readability: the router always prefers a static segment.
 */
export const ROUTES = {
  ...LONGITUDINAL_ROUTES,
  ...ACTIVITY_ROUTES,
  ...IMPORT_ROUTES,
  ...PROFILE_ROUTES,
  ...METABOLIC_PROFILE_ROUTES,
  ...DAILY_ROUTES,
  ...TEST_ROUTES,
  ...TRACE_ROUTES,
  ...APP_METADATA_ROUTES,
  ...APPLICATION_ROUTES,
  ...PAGE_ROUTES,
  ...USER_ROUTES,
  ...TEAM_ROUTES,
  ...DELEGATION_ROUTES,
  ...WEBHOOK_ROUTES,
  ...SYSTEM_ROUTES,
} as const;

export type Routes = typeof ROUTES;
export type OperationId = keyof Routes;

export const ROUTE_LIST: readonly RouteSpec[] = Object.values(ROUTES);

export * from './route.ts';
export * from './tables.ts';
