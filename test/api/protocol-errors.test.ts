import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { Engine } from '../../src/engine/engine.ts';
import { makeTempDir, startTestServer, type TestServer } from '../helpers/test-server.ts';

/** A raw HTTP exchange, for requests fetch will not send (huge headers, broken multipart). */
function raw(
  server: TestServer,
  options: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('protocol errors are problem+json 4xx', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ rateLimitPerMinute: 40, maxConcurrentUploads: 1 });
    token = await server.tokenFor('proto');
  });
  afterAll(() => server.close());
  const auth = () => ({ authorization: `Bearer ${token}` });

  it('answers a multipart upload without a boundary, and one cut short, with 4xx problem+json', async () => {
    for (const [contentType, body] of [
      [
        'multipart/form-data',
        '--x\r\ncontent-disposition: form-data; name="files"; filename="a.fit"\r\n\r\nabc\r\n--x--',
      ],
      [
        'multipart/form-data; boundary=x',
        '--x\r\ncontent-disposition: form-data; name="files"; filename="a.fit"\r\n\r\nabc',
      ],
    ] as const) {
      const response = await raw(server, {
        method: 'POST',
        path: '/api/v1/activities/upload',
        headers: {
          ...auth(),
          'content-type': contentType,
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
      });
      expect(response.status, contentType).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(response.body).code).toMatch(/^ERR_/);
    }
  });

  it('answers a 9 KB URL with 414 and 20 KB of headers with 431, both problem+json', async () => {
    const long = await fetch(`${server.url}/api/v1/activities/?tags=${'x'.repeat(9000)}`, {
      headers: auth(),
    });
    expect(long.status).toBe(414);
    expect(((await long.json()) as { code: string }).code).toBe('ERR_URI_TOO_LONG');
    const huge = await raw(server, {
      method: 'GET',
      path: '/health',
      headers: { 'x-padding': 'y'.repeat(20_000) },
    });
    expect(huge.status).toBe(431);
    expect(huge.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(huge.body).code).toBe('ERR_HEADERS_TOO_LARGE');
  });

  it('bounds concurrent uploads with 429 and an integer Retry-After', async () => {
    // The first upload's body never finishes arriving, so it holds the one upload slot.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'multipart/form-data; boundary=x' },
      body: new ReadableStream({
        async start(controller) {
          controller.enqueue(
            new TextEncoder().encode(
              '--x\r\ncontent-disposition: form-data; name="files"; filename="a.csv"\r\n\r\n',
            ),
          );
          await held;
          controller.enqueue(new TextEncoder().encode('not a ride\r\n--x--\r\n'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const form = new FormData();
    form.append('files', new Blob(['x']), 'b.csv');
    const second = await fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: auth(),
      body: form,
    });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await second.json()) as { code: string }).code).toBe('ERR_UPLOAD_BUSY');
    release();
    expect((await first).status).toBe(201);
  });

  it('limits requests per key with RateLimit headers, then 429 with an integer Retry-After', async () => {
    const other = await server.tokenFor('proto-rate');
    let last: Response | undefined;
    for (let i = 0; i < 41; i++) {
      last = await fetch(`${server.url}/api/v1/profile/tags/`, {
        headers: { authorization: `Bearer ${other}` },
      });
      if (i === 0) {
        expect(last.headers.get('ratelimit-limit')).toBe('40');
        expect(last.headers.get('ratelimit-remaining')).toBe('39');
      }
      if (i < 40) await last.arrayBuffer();
    }
    expect(last!.status).toBe(429);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await last!.json()) as { code: string };
    expect(body.code).toBe('ERR_RATE_LIMITED');
    // Another key is not affected.
    expect((await fetch(`${server.url}/api/v1/profile/tags/`, { headers: auth() })).status).toBe(200);
  });
});

describe('a full disk', () => {
  it('answers 507 ERR_STORE_DISK_FULL, from Node’s ENOSPC or DuckDB’s message, without the cause', async () => {
    const dataDir = await makeTempDir('peakform-disk-');
    const engine = await Engine.open({ dataDir });
    const app = await buildApp(engine);
    // Stand-ins for a write that ran out of space (the store's own writes fail the same way).
    app.get('/test/enospc', async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write /data/originals/x'), {
        code: 'ENOSPC',
      });
    });
    app.get('/test/duckdb', async () => {
      throw new Error(
        'DuckDB: IO Error: Could not write file "/data/catalog.duckdb.wal": No space left on device',
      );
    });
    try {
      for (const url of ['/test/enospc', '/test/duckdb']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(507);
        expect(response.json().code).toBe('ERR_STORE_DISK_FULL');
        expect(response.body).not.toContain('/data/');
      }
    } finally {
      await app.close();
      engine.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
