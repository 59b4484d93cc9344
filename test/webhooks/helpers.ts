import { createHmac, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/api/app.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { WebhookOptions } from '../../src/services/webhooks/webhook-service.ts';
import { asJson, makeTempDir } from '../helpers/test-server.ts';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A webhook receiver on loopback: records every request (headers and raw body) and answers with
 * `respond` (default 200). `down()` closes it; `up()` listens again on the same port.
 */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  respond: (request: { headers: IncomingHttpHeaders; body: string }) => number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  let server: Server | undefined;
  const receiver: Receiver = {
    url: '',
    port,
    received: [],
    respond: () => 200,
    down: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    up: async () => {
      const s = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = receiver.respond({ headers: request.headers, body });
          receiver.received.push({ headers: request.headers, body, status });
          response.writeHead(status, { 'content-type': 'text/plain' });
          response.end('ok');
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(receiver.port, '127.0.0.1', () => resolve());
      });
      server = s;
      receiver.port = (s.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
}

/** Waits until `condition` holds (polling); fails with `what` after `limitMs` (a safety net, not a timing assertion). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, limitMs = 30_000) {
  const until = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * An independent verifier of WIRE.md §6.2, written from the text (as SweatStack's FastAPI helper
 * does it): split on ",", each part at the first "=", require integer `t` and `v1` (the last `v1`
 * counts), HMAC-SHA256 keyed with the secret's UTF-8 bytes over "<t>." + raw body, lowercase hex,
 * constant-time compare, |now − t| ≤ 300 s.
 */
export function verifySweatstack(
  header: string | undefined,
  body: string,
  secret: string,
  nowS: number,
): boolean {
  if (!header) return false;
  const fields: Record<string, string> = {};
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at === -1) return false;
    fields[part.slice(0, at)] = part.slice(at + 1);
  }
  const t = fields.t;
  const v1 = fields.v1;
  if (t === undefined || v1 === undefined || !/^-?\d+$/.test(t)) return false;
  if (Math.abs(nowS - Number(t)) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${t}.`)
    .update(Buffer.from(body, 'utf8'))
    .digest('hex');
  const a = Buffer.from(expected);
  const b = Buffer.from(v1);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A verifier that accepts any `v1` of the header (Stripe style), for rotation overlaps. */
export function verifySweatstackAny(
  header: string | undefined,
  body: string,
  secret: string,
  nowS: number,
): boolean {
  if (!header) return false;
  const parts = header.split(',');
  const t = parts.find((p) => p.startsWith('t='))?.slice(2);
  if (!t) return false;
  return parts
    .filter((p) => p.startsWith('v1='))
    .some((p) => verifySweatstack(`t=${t},${p}`, body, secret, nowS));
}

/** An engine with webhooks, its API on loopback and a receiver: what the API-level webhook tests share. */
export interface WebhookHarness {
  engine: Engine;
  url: string;
  receiver: Receiver;
  /** A JSON request with a bearer token; the body parsed (undefined when empty). */
  call(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: ReturnType<typeof asJson> }>;
  close(): Promise<void>;
}

export async function startWebhookHarness(name: string, webhooks: WebhookOptions): Promise<WebhookHarness> {
  const dataDir = await makeTempDir(`peakform-webhooks-${name}-`);
  const engine = await Engine.open({ dataDir, decodeWorkers: 0, webhooks });
  const app = await buildApp(engine);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const receiver = await startReceiver();
  return {
    engine,
    url,
    receiver,
    async call(method, path, token, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      return { status: response.status, body: asJson(text ? JSON.parse(text) : undefined) };
    },
    async close() {
      await app.close();
      engine.close();
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
