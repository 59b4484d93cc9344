import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CURVE_GAP_POLICY } from '../../src/analytics/gap-policy.ts';
import { DecodePool } from '../../src/services/sources/decode-pool.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** A long ride whose curves cost real CPU: the work that must not run on the event loop. */
const LONG_RIDE = csvRide({
  startIso: '2024-07-01T04:00:00Z',
  durationS: 3 * 3600,
  powerW: (s) => 150 + ((s * 7919) % 211),
});

const request = (bytes: Uint8Array) => ({
  bytes,
  fileName: 'ride.csv',
  athleteId: 'pool',
  sourceId: 'src_pool',
  tags: [],
  thresholds: [],
  curveGapPolicy: DEFAULT_CURVE_GAP_POLICY,
  skipActivityIds: [],
});

describe('the decode pool', () => {
  it('decodes and derives a file, and fails one that takes too long as a result, not a crash', async () => {
    const pool = new DecodePool({ size: 1, timeoutMs: 60_000 });
    try {
      const result = await pool.run(request(csvRide({ startIso: '2024-07-01T04:00:00Z', durationS: 600 })));
      expect(result.ok && result.writes.length).toBe(1);
    } finally {
      await pool.close();
    }
    const impatient = new DecodePool({ size: 1, timeoutMs: 1 });
    try {
      const result = await impatient.run(request(LONG_RIDE));
      expect(result).toMatchObject({ ok: false, code: 'ERR_INGEST_RESOURCES' });
    } finally {
      await impatient.close();
    }
  });
});

describe('an upload being processed', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor('busy');
  });
  afterAll(() => server.close());

  it('does not stop the server from answering other requests while it is decoded and derived', async () => {
    let uploading = true;
    let answeredDuring = 0;
    const probe = (async () => {
      while (uploading) {
        const response = await fetch(`${server.url}/health`);
        await response.arrayBuffer();
        if (uploading) answeredDuring++;
      }
    })();
    const form = new FormData();
    form.append('files', new Blob([LONG_RIDE]), 'long.csv');
    const response = await fetch(`${server.url}/api/v1/activities/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    uploading = false;
    await probe;
    expect(response.status).toBe(201);
    expect(((await response.json()) as { sources: { status: string }[] }).sources[0]?.status).toBe(
      'processed',
    );
    expect(answeredDuring).toBeGreaterThan(0);
  });
});
