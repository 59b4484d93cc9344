/**
 * Webhook delivery under a burst (issue 10): 1,000 changes committed one catalog transaction each,
 * as fast as the catalog takes them, each emitting one event through the outbox to an app with
 * one endpoint on a loopback receiver (sweatstack signatures, the default worker: 8 in flight,
 * outcomes recorded in batches). Reports events delivered per second (first commit → last
 * arrival) and the commit → arrival latency, p50 and p99.
 *
 *   npx tsx bench/webhooks.ts [--changes N] [--concurrency C]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../src/engine/engine.ts';
import { emitWebhookEvents } from '../src/store/webhook-outbox.ts';
import { writeBenchResult } from './report.ts';

const { values } = parseArgs({ options: { changes: { type: 'string' }, concurrency: { type: 'string' } } });
const CHANGES = Number(values.changes ?? 1000);
const CONCURRENCY = Number(values.concurrency ?? 8);

const arrived = new Map<string, number>();
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!arrived.has(body.resource_id)) arrived.set(body.resource_id, performance.now());
    response.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const dataDir = await mkdtemp(join(tmpdir(), 'peakform-bench-webhooks-'));
const engine = await Engine.open({ dataDir, decodeWorkers: 0, webhooks: { concurrency: CONCURRENCY } });
try {
  const { application } = await engine.identity.applications.create(null, { name: 'Bench app' });
  await engine.webhooks.addEndpoint(null, application.id, { url });
  await engine.tokens.create('bench', { clientId: application.id });
  engine.webhooks.startDelivery();

  const committed = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < CHANGES; i++) {
    const id = `act_bench_${i}`;
    await engine.store.write((tx) =>
      emitWebhookEvents(tx, [{ athleteId: 'bench', eventType: 'activity_updated', resourceId: id }]),
    );
    committed.set(id, performance.now());
  }
  const commitsDone = performance.now();
  while (arrived.size < CHANGES) await new Promise((resolve) => setTimeout(resolve, 5));
  const last = Math.max(...arrived.values());
  const latencies = [...committed].map(([id, at]) => arrived.get(id)! - at).sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  const result = {
    changes: CHANGES,
    concurrency: CONCURRENCY,
    commits_per_s: Math.round(CHANGES / ((commitsDone - started) / 1000)),
    delivered_per_s: Math.round(CHANGES / ((last - started) / 1000)),
    latency_p50_ms: Math.round(pick(0.5) * 10) / 10,
    latency_p99_ms: Math.round(pick(0.99) * 10) / 10,
  };
  console.log(result);
  console.log(`written to ${writeBenchResult('webhooks', result)}`);
} finally {
  engine.close();
  receiver.close();
  await rm(dataDir, { recursive: true, force: true });
}
