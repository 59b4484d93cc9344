import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp } from '../../src/api/app.ts';
import { Engine } from '../../src/engine/engine.ts';

export interface TestServer {
  engine: Engine;
  app: FastifyInstance;
  url: string;
  dataDir: string;
  tokenFor(athleteId: string): Promise<string>;
  close(): Promise<void>;
}

/** A real engine on a temporary data dir behind a real HTTP server on loopback. */
export async function startTestServer(
  options: { curveGapPolicy?: string } & AppOptions = {},
): Promise<TestServer> {
  const dataDir = await makeTempDir('peakform-test-');
  const { curveGapPolicy, ...appOptions } = options;
  const engine = await Engine.open({ dataDir, curveGapPolicy });
  const app = await buildApp(engine, appOptions);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    engine,
    app,
    url,
    dataDir,
    tokenFor: async (athleteId) => (await engine.tokens.create(athleteId)).token,
    close: async () => {
      await app.close();
      engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Directories made by `makeTempDir` in this test file, removed after it (test/setup/temp-dirs.ts). */
export const madeTempDirs: string[] = [];

/** A fresh directory under the system's temp dir, removed when the test file is done. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  madeTempDirs.push(dir);
  return dir;
}

/** Uploads files as multipart/form-data with fetch, as any HTTP client would. */
export async function upload(
  server: TestServer,
  token: string,
  files: { name: string; bytes: Uint8Array }[],
  tags: string[] = [],
): Promise<Response> {
  const form = new FormData();
  for (const file of files) form.append('file', new Blob([file.bytes]), file.name);
  for (const tag of tags) form.append('tags', tag);
  return fetch(`${server.url}/api/v1/activities/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

export function get(
  server: TestServer,
  token: string | undefined,
  path: string,
  headers: Record<string, string> = {},
) {
  return fetch(`${server.url}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

/** Response bodies in tests are checked by assertions, so they are typed loosely. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by assertions
export const asJson = (value: unknown): any => value;
