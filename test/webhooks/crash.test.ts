import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, makeTempDir } from '../helpers/test-server.ts';
import { type Receiver, startReceiver, verifySweatstack, waitFor } from './helpers.ts';

/**
 * Issue 10: `peakform serve` killed with SIGKILL in the middle of a burst of uploads, then started
 * again: every committed change has its event delivered, none is lost, and a delivery sent twice
 * (sent before the kill, its outcome not yet recorded) carries the same event id.
 */
describe('webhooks across a SIGKILL of the server', () => {
  let root: string;
  let dataDir: string;
  let receiver: Receiver;
  let server: ChildProcess | undefined;
  const FILES = 40;

  function serve(): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = chunk.toString().match(/Peakform API on (http:\/\/\S+)/);
        if (match) resolve({ child, url: match[1]!.replace('localhost', '127.0.0.1') });
      });
      child.on('exit', () => reject(new Error('the server exited')));
    });
  }

  beforeAll(async () => {
    root = await makeTempDir('peakform-webhooks-crash-');
    dataDir = join(root, 'data');
    receiver = await startReceiver();
  });

  afterAll(async () => {
    server?.kill('SIGKILL');
    await receiver.close();
    await rm(root, { recursive: true, force: true });
  });

  it('delivers the event of every committed upload after a restart, duplicates with the same id', async () => {
    const created = await runCli([
      'app',
      'create',
      'Hooks',
      '--webhook-url',
      receiver.url,
      '--json',
      '--data',
      dataDir,
    ]);
    expect(created.code).toBe(0);
    const app = asJson(JSON.parse(created.stdout));
    expect(app.webhook_endpoints).toEqual([receiver.url]);
    expect(app.webhook_secret).toMatch(/^whsec_/);
    const appToken = (
      await runCli(['token', 'create', '--athlete', 'ann', '--app', app.client_id, '--data', dataDir])
    ).stdout.trim();
    const annKey = (await runCli(['token', 'create', '--athlete', 'ann', '--data', dataDir])).stdout.trim();

    // A burst of uploads, three at a time; the kill lands once ten have been acknowledged.
    let running = await serve();
    server = running.child;
    let acknowledged = 0;
    let killed = false;
    const upload = async (i: number) => {
      const form = new FormData();
      const start = new Date(Date.UTC(2024, 0, 1 + i, 7)).toISOString();
      form.append('files', new Blob([csvRide({ startIso: start, durationS: 300 })]), `ride-${i}.csv`);
      try {
        const response = await fetch(`${running.url}/api/v1/activities/upload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${annKey}` },
          body: form,
        });
        if (response.ok) acknowledged++;
      } catch {
        // The server died under this request.
      }
      if (acknowledged >= 10 && !killed) {
        killed = true;
        server!.kill('SIGKILL');
      }
    };
    let next = 0;
    await Promise.all(
      [0, 1, 2].map(async () => {
        while (next < FILES && !killed) await upload(next++);
      }),
    );
    await new Promise((resolve) =>
      server!.exitCode !== null || server!.signalCode !== null ? resolve(null) : server!.on('exit', resolve),
    );
    expect(killed).toBe(true);

    running = await serve();
    server = running.child;
    const list = await fetch(`${running.url}/api/v1/activities/?limit=1000`, {
      headers: { authorization: `Bearer ${annKey}` },
    });
    const activities: { id: string }[] = asJson(await list.json());
    expect(activities.length).toBeGreaterThanOrEqual(10);
    expect(activities.length).toBeLessThan(FILES);

    const createdIds = () =>
      new Set(
        receiver.received
          .map((r) => JSON.parse(r.body))
          .filter((b) => b.event_type === 'activity_created')
          .map((b) => b.resource_id as string),
      );
    await waitFor(
      () => activities.every((a) => createdIds().has(a.id)),
      'an activity_created for every committed activity',
    );

    // The feed holds exactly the committed changes: one activity_created and one source_processed per upload.
    const feed = asJson(
      await (
        await fetch(`${running.url}/api/v1/events?limit=1000`, {
          headers: { authorization: `Bearer ${appToken}` },
        })
      ).json(),
    );
    expect(feed.filter((e: { event_type: string }) => e.event_type === 'activity_created')).toHaveLength(
      activities.length,
    );
    expect(feed).toHaveLength(2 * activities.length);
    await waitFor(() => {
      const ids = new Set(receiver.received.map((r) => r.headers['x-peakform-event-id']));
      return feed.every((e: { id: string }) => ids.has(e.id));
    }, 'every event of the feed delivered');

    // Nothing was received that is not a committed event; a duplicate is the same event (same id, same body).
    const feedIds = new Map(feed.map((e: { id: string }) => [e.id, e]));
    const bodyById = new Map<string, string>();
    for (const r of receiver.received) {
      const id = r.headers['x-peakform-event-id'] as string;
      expect(feedIds.has(id)).toBe(true);
      if (bodyById.has(id)) expect(r.body).toBe(bodyById.get(id));
      bodyById.set(id, r.body);
      expect(
        verifySweatstack(
          r.headers['x-sweatstack-signature'] as string,
          r.body,
          app.webhook_secret,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
    }
    const idsPerActivity = new Map<string, Set<string>>();
    for (const r of receiver.received) {
      const body = JSON.parse(r.body);
      if (body.event_type !== 'activity_created') continue;
      const ids = idsPerActivity.get(body.resource_id) ?? new Set();
      ids.add(r.headers['x-peakform-event-id'] as string);
      idsPerActivity.set(body.resource_id, ids);
    }
    for (const ids of idsPerActivity.values()) expect(ids.size).toBe(1);

    // The log agrees: every delivery delivered; the CLI reads it through the running server's admin channel.
    let deliveries: { status: string }[] = [];
    await waitFor(async () => {
      const out = await runCli([
        'webhook',
        'deliveries',
        '--app',
        app.client_id,
        '--limit',
        '1000',
        '--json',
        '--data',
        dataDir,
      ]);
      deliveries = JSON.parse(out.stdout);
      return deliveries.every((d) => d.status === 'delivered');
    }, 'every delivery recorded as delivered');
    expect(deliveries).toHaveLength(feed.length);
    server.kill('SIGTERM');
  }, 120_000);
});
