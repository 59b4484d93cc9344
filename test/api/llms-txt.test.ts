import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGuides } from '../../src/api/llms-txt.ts';
import { ROUTE_LIST } from '../../src/contract/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

describe('/llms.txt and /llms-full.txt', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('/llms.txt lists every route of the contract with method, path, scope and parameters, and the guides', async () => {
    const response = await fetch(`${server.url}/llms.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text.startsWith('# Peakform\n\n> ')).toBe(true);
    for (const route of ROUTE_LIST) {
      const line = text.split('\n').find((l) => l.startsWith(`- ${route.method} ${route.path} — `));
      expect(line, `${route.method} ${route.path}`).toBeDefined();
      expect(line).toContain(route.summary);
      expect(line).toContain(route.scope ? `scope ${route.scope}` : 'public');
    }
    expect(text).toMatch(/longitudinal-mean-max — .*params: .*durations\?/);
    for (const guide of readGuides()) expect(text).toContain(`[${guide.title}]`);
  });

  it('/llms-full.txt documents each parameter and error, and inlines the guides', async () => {
    const text = await (await fetch(`${server.url}/llms-full.txt`)).text();
    for (const route of ROUTE_LIST) {
      expect(text).toContain(`### ${route.method} ${route.path}\n`);
      expect(text).toContain(`Operation \`${route.operationId}\``);
    }
    expect(text).toMatch(/- `durations` \(query, optional/);
    expect(text).toMatch(/- `id` \(path, required/);
    expect(text).toContain('ERR_ACTIVITY_NOT_FOUND');
    for (const guide of readGuides())
      expect(text).toContain(guide.text.split('\n').find((l) => l.startsWith('```'))!);
  });
});
