import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/contract/index.ts';
import { buildOpenApiDocument } from '../../src/contract/openapi.ts';
import type { RouteSpec } from '../../src/contract/route.ts';

type Operation = {
  operationId: string;
  description: string;
  'x-codeSamples': { lang: string; label: string; source: string }[];
};

const document = buildOpenApiDocument({ version: '0.0.0' }) as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.values(document.paths).flatMap((byMethod) => Object.values(byMethod));

/** The interactive docs show a worked example for every route (issue 13): a curl line and the SDK call. */
describe('examples in the OpenAPI document', () => {
  it('gives every operation a curl line and an SDK call, also shown in its description', () => {
    expect(operations).toHaveLength(Object.keys(ROUTES).length);
    for (const operation of operations) {
      const [curl, sdk] = operation['x-codeSamples'];
      expect(curl?.source, operation.operationId).toMatch(/^curl .*"\$PEAKFORM_URL\/[^"]*"/);
      expect(sdk?.source, operation.operationId).toContain(`await client.${operation.operationId}(`);
      expect(operation.description, operation.operationId).toContain(curl!.source);
      expect(operation.description).toContain(sdk!.source);
    }
  });

  it('sends bodies that the route itself accepts', () => {
    let checked = 0;
    for (const route of Object.values(ROUTES) as RouteSpec[]) {
      if (!route.body) continue;
      const operation = document.paths[route.path]![route.method.toLowerCase()]!;
      const body = /-d '(.*)' "/.exec(operation['x-codeSamples'][0]!.source)?.[1];
      expect(body, route.operationId).toBeDefined();
      const parsed = route.body.safeParse(JSON.parse(body!));
      expect(parsed.success, `${route.operationId}: ${body} ${JSON.stringify(parsed.error?.issues)}`).toBe(
        true,
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('asks for Arrow from table routes and uploads files as multipart', () => {
    const byId = new Map(operations.map((o) => [o.operationId, o['x-codeSamples'][0]!.source]));
    expect(byId.get('getActivityData')).toContain('Accept: application/vnd.apache.arrow.stream');
    expect(byId.get('uploadActivities')).toContain('-F files=@ride.fit');
    expect(byId.get('createTest')).toContain('"start":"2026-11-30T07:00:00+01:00"');
  });
});
