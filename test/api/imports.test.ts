import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import type { ImportJob } from '../../src/domain/wire-imports.ts';
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';
import { PeakformClient } from '../../src/sdk/client.ts';
import { ImportJobRepository } from '../../src/store/import-job-repository.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { asJson, makeTempDir, upload } from '../helpers/test-server.ts';

const FIXTURES = join(import.meta.dirname, '../../data/fixtures');

interface Server {
  engine: Engine;
  app: FastifyInstance;
  url: string;
  dataDir: string;
  token(athleteId: string, scopes?: string[]): Promise<string>;
  /** Closes the server and the engine; the data dir stays (for a restart) unless `remove`. */
  close(remove?: boolean): Promise<void>;
}

async function startServer(imports: EngineOptions['imports'], dataDir?: string): Promise<Server> {
  const dir = dataDir ?? (await makeTempDir('peakform-imports-'));
  const engine = await Engine.open({ dataDir: dir, imports });
  const app = await buildApp(engine, { webhookDelivery: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    engine,
    app,
    url,
    dataDir: dir,
    token: async (athleteId, scopes) =>
      (await engine.tokens.create(athleteId, scopes ? { scopes: scopes as never } : {})).token,
    close: async (remove = true) => {
      await app.close();
      engine.close();
      if (remove) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A gate that holds every job before it reads its file at index ≥ 1 (so after its first batch), until opened. */
function gate() {
  let open: () => void = () => undefined;
  let opened = false;
  const wait = new Promise<void>((resolve) => {
    open = () => {
      opened = true;
      resolve();
    };
  });
  return {
    beforeRead: async (_jobId: string, index: number) => {
      if (index >= 1 && !opened) await wait;
    },
    open: () => open(),
  };
}

function postImport(
  server: Server,
  token: string,
  files: { name: string; bytes: Uint8Array }[],
  tags: string[] = [],
) {
  const form = new FormData();
  for (const file of files) form.append('files', new Blob([file.bytes]), file.name);
  for (const tag of tags) form.append('tags', tag);
  return fetch(`${server.url}/api/v1/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

async function getJob(server: Server, token: string, id: string): Promise<ImportJob> {
  const response = await fetch(`${server.url}/api/v1/imports/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as ImportJob;
}

/** Polls a job until `done` holds (every snapshot seen is returned, in order). */
async function pollJob(
  server: Server,
  token: string,
  id: string,
  done: (job: ImportJob) => boolean,
): Promise<ImportJob[]> {
  const seen: ImportJob[] = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await getJob(server, token, id);
    seen.push(job);
    if (done(job)) return seen;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ended = (job: ImportJob) => ['succeeded', 'failed', 'cancelled'].includes(job.state);

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Issue 11 item 1: a running import's progress through the API. */
describe('an import job', () => {
  const ride = csvRide({ startIso: '2024-06-01T07:00:00Z', durationS: 900 });
  const otherRide = csvRide({ startIso: '2024-06-02T07:00:00Z', durationS: 1200 });
  let multisport: Uint8Array;
  let files: { name: string; bytes: Uint8Array }[];
  let server: Server;

  beforeAll(async () => {
    multisport = new Uint8Array(await readFile(join(FIXTURES, 'multisport-run-bike.fit')));
    files = [
      { name: 'ride.csv', bytes: ride },
      { name: 'broken.fit', bytes: new TextEncoder().encode('not a fit file') },
      { name: 'multisport.fit', bytes: multisport },
      { name: 'rides/other.csv', bytes: otherRide },
      { name: 'ride-again.csv', bytes: ride },
    ];
    server = await startServer({ batchFiles: 1 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 202 with its Location, runs in the background and ends as the upload route answers', async () => {
    const token = await server.token('ann');
    const response = await postImport(server, token, files, ['camp']);
    expect(response.status, await response.clone().text()).toBe(202);
    const created = asJson(await response.json());
    expect(response.headers.get('location')).toBe(`/api/v1/imports/${created.id}`);
    expect(created.id).toMatch(/^imp_[0-9a-f]+$/);
    expect(['queued', 'running']).toContain(created.state);
    expect(created.files_total).toBe(5);
    expect(created.tags).toEqual(['camp']);
    expect(created.files.map((f: { filename: string }) => f.filename)).toEqual([
      'ride.csv',
      'broken.fit',
      'multisport.fit',
      'other.csv',
      'ride-again.csv',
    ]);

    const seen = await pollJob(server, token, created.id, ended);
    const last = seen.at(-1)!;
    expect(last.state).toBe('succeeded');
    // Progress never goes back.
    for (const [earlier, later] of seen.slice(0, -1).map((job, i) => [job, seen[i + 1]!] as const)) {
      expect(later.files_done).toBeGreaterThanOrEqual(earlier.files_done);
      expect(later.samples).toBeGreaterThanOrEqual(earlier.samples);
      expect(later.bytes_done).toBeGreaterThanOrEqual(earlier.bytes_done);
    }
    expect(last.files.map((f) => f.state)).toEqual([
      'processed',
      'failed',
      'processed',
      'processed',
      'duplicate',
    ]);
    expect(last).toMatchObject({
      files_done: 5,
      files_failed: 1,
      files_duplicate: 1,
      bytes_total: files.reduce((n, f) => n + f.bytes.length, 0),
      bytes_done: files.reduce((n, f) => n + f.bytes.length, 0),
      eta_s: null,
      queue_position: null,
      error: null,
      cancel_requested: false,
    });
    expect(last.started_at).not.toBeNull();
    expect(last.finished_at).not.toBeNull();
    expect(last.samples_per_s).toBeGreaterThan(0);
    const failed = last.files[1]!;
    expect(failed.source?.status).toBe('failed');
    expect(failed.problem).toMatchObject({ code: failed.source?.error?.code, status: 422 });
    expect(failed.problem?.type).toMatch(/^https:\/\/peakform\.dev\/problems\/err-/);
    expect(last.files.filter((f) => f.state !== 'failed').every((f) => f.problem === null)).toBe(true);

    // The same files through the plain upload route, on another data dir: the same sources.
    const plain = await startServer(undefined);
    try {
      const answer = asJson(
        await (await upload(plain as never, await plain.token('ann'), files, ['camp'])).json(),
      );
      const comparable = (s: { created_at: string } | null) => ({ ...s, created_at: undefined });
      expect(last.files.map((f) => comparable(f.source))).toEqual(answer.sources.map(comparable));
      // …and the counts of ingestMany on the same files.
      let totals = { samples: 0, activities: 0 };
      await plain.engine.sources.ingestMany(
        'cy',
        files.map((f) => ({ fileName: f.name, read: async () => f.bytes })),
        { tags: ['camp'], onBatch: (_results, _first, progress) => (totals = progress) },
      );
      expect({ samples: last.samples, activities: last.activities }).toEqual({
        samples: totals.samples,
        activities: totals.activities,
      });
    } finally {
      await plain.close();
    }

    // Listed for its athlete; its staged files are gone once it ended.
    const list = asJson(
      await (
        await fetch(`${server.url}/api/v1/imports`, { headers: { authorization: `Bearer ${token}` } })
      ).json(),
    );
    expect(list.map((job: ImportJob) => job.id)).toContain(created.id);
    expect(await exists(join(server.dataDir, 'uploads', 'imports', created.id))).toBe(false);
    expect(await server.engine.checkConsistency()).toEqual([]);
  });

  it('is another athlete’s: 404; an unknown or malformed id, no files, no multipart or no write scope are refused', async () => {
    const ann = await server.token('ann');
    const created = asJson(await (await postImport(server, ann, [{ name: 'ride.csv', bytes: ride }])).json());
    const bob = await server.token('bob');
    const foreign = await fetch(`${server.url}/api/v1/imports/${created.id}`, {
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(asJson(await foreign.json()).code).toBe('ERR_IMPORT_NOT_FOUND');
    const foreignCancel = await fetch(`${server.url}/api/v1/imports/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(foreignCancel.status).toBe(404);
    const bobsList = asJson(
      await (
        await fetch(`${server.url}/api/v1/imports`, { headers: { authorization: `Bearer ${bob}` } })
      ).json(),
    );
    expect(bobsList).toEqual([]);

    const unknown = await fetch(`${server.url}/api/v1/imports/imp_0123456789abcdef`, {
      headers: { authorization: `Bearer ${ann}` },
    });
    expect(unknown.status).toBe(404);
    expect(asJson(await unknown.json()).code).toBe('ERR_IMPORT_NOT_FOUND');
    const malformed = await fetch(`${server.url}/api/v1/imports/src_123`, {
      headers: { authorization: `Bearer ${ann}` },
    });
    expect(malformed.status).toBe(400);

    const empty = new FormData();
    empty.append('tags', 'camp');
    const noFiles = await fetch(`${server.url}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ann}` },
      body: empty,
    });
    expect(noFiles.status).toBe(400);
    expect(asJson(await noFiles.json()).code).toBe('ERR_UPLOAD_EMPTY');
    const notMultipart = await fetch(`${server.url}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ann}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notMultipart.status).toBe(415);
    const readOnly = await server.token('ann', ['data:read']);
    const forbidden = await postImport(server, readOnly, [{ name: 'ride.csv', bytes: ride }]);
    expect(forbidden.status).toBe(403);
    expect(asJson(await forbidden.json()).code).toBe('ERR_AUTH_SCOPE');
    // Nothing of the refused requests is left on disk.
    await pollJob(server, ann, created.id, ended);
    const leftovers = await import('node:fs/promises').then((fs) =>
      fs.readdir(join(server.dataDir, 'uploads'), { recursive: true }),
    );
    expect(leftovers.filter((name) => name !== 'imports')).toEqual([]);
  });

  it('with a delegated token belongs to the athlete the token acts for', async () => {
    const coach = await server.token('coach');
    const managed = await server.engine.users.createManaged('coach', { firstName: 'Kid', lastName: null });
    const pair = asJson(
      await (
        await fetch(`${server.url}/api/v1/oauth/delegated-token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${coach}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sub: managed.id, scopes: ['data:read', 'data:write'] }),
        })
      ).json(),
    );
    const created = asJson(
      await (await postImport(server, pair.access_token, [{ name: 'r.csv', bytes: ride }])).json(),
    );
    const last = (await pollJob(server, pair.access_token, created.id, ended)).at(-1)!;
    expect(last.state).toBe('succeeded');
    const activity = last.files[0]!.source!.activity_ids[0]!;
    const asManaged = await fetch(`${server.url}/api/v1/activities/${activity}`, {
      headers: { authorization: `Bearer ${pair.access_token}` },
    });
    expect(asManaged.status).toBe(200);
    // The coach's own key acts for the coach: not their job.
    const asCoach = await fetch(`${server.url}/api/v1/imports/${created.id}`, {
      headers: { authorization: `Bearer ${coach}` },
    });
    expect(asCoach.status).toBe(404);
  });
});

describe('an import job held between batches', () => {
  const rides = [0, 1, 2].map((day) => ({
    name: `ride-${day}.csv`,
    bytes: csvRide({ startIso: `2024-07-0${day + 1}T07:00:00Z`, durationS: 600 }),
  }));

  it('is cancelled at the end of its batch (committed batches stay), and a queued one at once', async () => {
    const held = gate();
    const server = await startServer({
      batchFiles: 1,
      beforeRead: held.beforeRead,
      maxUnfinishedPerAthlete: 2,
    });
    try {
      const token = await server.token('ann');
      const job = asJson(await (await postImport(server, token, rides)).json());
      await pollJob(server, token, job.id, (j) => j.files_done === 1);
      // A second job of the same athlete waits for the first; a third finds the athlete's queue full.
      const second = asJson(await (await postImport(server, token, rides.slice(0, 1))).json());
      expect(second.state).toBe('queued');
      expect(second.queue_position).toBe(0);
      const third = await postImport(server, token, rides.slice(1, 2));
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('5');
      expect(asJson(await third.json()).code).toBe('ERR_UPLOAD_BUSY');
      // Through the SDK, whose methods come from the contract.
      const client = new PeakformClient({ baseUrl: server.url, token });
      const cancelledQueued = await client.cancelImport({ id: second.id });
      expect(cancelledQueued).toMatchObject({ state: 'cancelled', files_done: 0 });
      expect(cancelledQueued.files.map((f) => f.state)).toEqual(['skipped']);
      expect((await client.listImports()).map((j) => j.id)).toEqual([second.id, job.id]);

      const cancelling = await fetch(`${server.url}/api/v1/imports/${job.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(cancelling.status).toBe(200);
      expect(asJson(await cancelling.json())).toMatchObject({ state: 'running', cancel_requested: true });
      held.open();
      const last = (await pollJob(server, token, job.id, ended)).at(-1)!;
      expect(last.state).toBe('cancelled');
      expect(last.files.map((f) => f.state)).toEqual(['processed', 'skipped', 'skipped']);
      expect(last.files_done).toBe(1);
      const activities = asJson(
        await (
          await fetch(`${server.url}/api/v1/activities/`, { headers: { authorization: `Bearer ${token}` } })
        ).json(),
      );
      expect(activities.map((a: { source_id: string }) => a.source_id)).toEqual([last.files[0]!.source!.id]);
      expect(await exists(join(server.dataDir, 'uploads', 'imports', job.id))).toBe(false);
      // Cancelling an ended job answers it as it is.
      const again = await fetch(`${server.url}/api/v1/imports/${job.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(asJson(await again.json()).state).toBe('cancelled');
      expect(await server.engine.checkConsistency()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('is left unfinished by a stopping server and resumed by the next one from its first file without a result', async () => {
    const held = gate();
    const first = await startServer({ batchFiles: 1, beforeRead: held.beforeRead });
    const dataDir = first.dataDir;
    let second: Server | undefined;
    try {
      const token = await first.token('ann');
      const job = asJson(await (await postImport(first, token, rides)).json());
      const before = (await pollJob(first, token, job.id, (j) => j.files_done === 1)).at(-1)!;
      // Mid-run: one batch committed, the progress and an ETA to show.
      expect(before).toMatchObject({ state: 'running', files_total: 3, files_done: 1, activities: 1 });
      expect(before.files.map((f) => f.state)).toEqual(['processed', 'pending', 'pending']);
      expect(before.samples).toBe(600);
      expect(before.samples_per_s).toBeGreaterThan(0);
      expect(before.eta_s).toBeGreaterThan(0);
      expect(before.bytes_done).toBe(rides[0]!.bytes.length);
      const closing = first.close(false);
      held.open();
      await closing;
      expect(await exists(join(dataDir, 'uploads', 'imports', job.id))).toBe(true);
      // As if the process had died after the first batch's commit but before the job's row said
      // so: the row is put back to no file done.
      const engine = await Engine.open({ dataDir });
      try {
        const repository = new ImportJobRepository(engine.store);
        const stored = (await repository.find('ann', job.id))!;
        expect(stored.state).toBe('running');
        stored.files[0] = { ...stored.files[0]!, state: 'pending', source: null };
        stored.samples = 0;
        stored.activities = 0;
        await repository.save(stored);
      } finally {
        engine.close();
      }

      second = await startServer(undefined, dataDir);
      const last = (await pollJob(second, token, job.id, ended)).at(-1)!;
      expect(last.state).toBe('succeeded');
      expect(last.files.map((f) => f.state)).toEqual(['processed', 'processed', 'processed']);
      expect(last.files[0]).toEqual(before.files[0]);
      expect(last.started_at).toBe(before.started_at);
      expect(last.activities).toBe(3);
      expect(last.files_duplicate).toBe(0);
      expect(await exists(join(dataDir, 'uploads', 'imports', job.id))).toBe(false);
      expect(await second.engine.checkConsistency()).toEqual([]);
    } finally {
      await second?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an ended import job', () => {
  it('is forgotten by a server started after its retention', async () => {
    const first = await startServer({ keepEndedS: 0 });
    const dataDir = first.dataDir;
    let second: Server | undefined;
    try {
      const token = await first.token('ann');
      const bytes = csvRide({ startIso: '2024-09-01T07:00:00Z', durationS: 60 });
      const job = asJson(await (await postImport(first, token, [{ name: 'r.csv', bytes }])).json());
      expect((await pollJob(first, token, job.id, ended)).at(-1)!.state).toBe('succeeded');
      await first.close(false);
      second = await startServer({ keepEndedS: 0 }, dataDir);
      const gone = await fetch(`${second.url}/api/v1/imports/${job.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(gone.status).toBe(404);
      // Its activity stays.
      const activities = await fetch(`${second.url}/api/v1/activities/`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(asJson(await activities.json())).toHaveLength(1);
    } finally {
      await second?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('peakform ingest --server', () => {
  it('sends a folder as import jobs of up to 10 files and prints what a local ingest prints', async () => {
    const server = await startServer(undefined);
    const dir = await makeTempDir('peakform-imports-cli-');
    try {
      await mkdir(join(dir, 'rides'));
      for (let day = 1; day <= 12; day++) {
        const start = `2024-08-${String(day).padStart(2, '0')}T07:00:00Z`;
        await writeFile(join(dir, 'rides', `ride-${day}.csv`), csvRide({ startIso: start, durationS: 60 }));
      }
      await writeFile(join(dir, 'rides', 'broken.fit'), 'not a fit file');
      const token = await server.token('ann');
      const result = await runCliInProcess([
        'ingest',
        '--server',
        server.url,
        '--token',
        token,
        join(dir, 'rides'),
      ]);
      expect(result.stdout).toBe('12 file(s) ingested (12 activities), 0 already present, 1 failed.\n');
      expect(result.stderr).toContain(`✗ ${join(dir, 'rides', 'broken.fit')}: `);
      expect(result.code).toBe(1);
      const jobs = asJson(
        await (
          await fetch(`${server.url}/api/v1/imports`, { headers: { authorization: `Bearer ${token}` } })
        ).json(),
      );
      expect(jobs.map((job: ImportJob) => [job.state, job.files_total])).toEqual([
        ['succeeded', 3],
        ['succeeded', 10],
      ]);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
