import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.ts';
import { csvRide } from '../helpers/csv-activity.ts';
import { makeTempDir } from '../helpers/test-server.ts';
import { buildFitFile, type FitRecordInput } from '../ingest/helpers/fit-file.ts';

/**
 * The attack suite of issue 14: every hostile or damaged file that once froze the server, grew it
 * by gigabytes or crashed it, built here from bytes, sent to a real `peakform serve` process and
 * to the CLI. For each: the status, the source recorded for it, a health probe that keeps being
 * answered while the file is processed, and the server's peak memory (VmHWM) staying bounded.
 */

const T0 = 1_715_328_646;
const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const text = (t: string) => new TextEncoder().encode(t);
/** The server's peak RSS, generous: the failures this guards against reached 8–12 GB. */
const MAX_SERVER_PEAK_MIB = 1500;

function fitRide(startS: number, seconds: number): FitRecordInput[] {
  return Array.from({ length: seconds }, (_, s) => ({
    timeS: startS + s,
    power: 200 + (s % 50),
    heartRate: 130,
  }));
}

function hostileFiles(): { name: string; bytes: Uint8Array; expect: 'processed' | 'failed' }[] {
  const corruptTime = fitRide(T0, 3000);
  corruptTime[1500] = { ...corruptTime[1500]!, timeS: T0 + 1500 + 10 * 365 * 86_400 };
  const ride = buildFitFile({ records: fitRide(T0, 120), session: { sport: 'cycling', subSport: 'road' } });
  const chained = new Uint8Array(ride.length * 500);
  for (let i = 0; i < 500; i++) chained.set(ride, i * ride.length);
  const gpxPoints = Array.from(
    { length: 10_000 },
    (_, i) =>
      `<trkpt lat="45.1" lon="7.1"><time>${iso(T0 + i)}</time><extensions><hr>140</hr><x_${i}>${i}</x_${i}></extensions></trkpt>`,
  );
  const header = ['timestamp', 'sport', 'power', ...Array.from({ length: 5000 }, (_, i) => `c${i}`)].join(
    ',',
  );
  const wideRows = Array.from({ length: 200 }, (_, s) =>
    [iso(T0 + s), s === 0 ? 'cycling' : '', 200, ...Array(5000).fill(1)].join(','),
  );
  const unclosed = `<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>${iso(T0)}</time></trkpt><desc>${'<a'.repeat(90_000)}`;
  return [
    {
      name: 'gap-30-days.csv',
      bytes: text(`timestamp,sport,power\n${iso(T0)},cycling,200\n${iso(T0 + 30 * 86_400)},,210\n`),
      expect: 'processed',
    },
    {
      name: 'corrupt-time.fit',
      bytes: buildFitFile({ records: corruptTime, session: { sport: 'cycling' } }),
      expect: 'processed',
    },
    { name: 'chained-500.fit', bytes: chained, expect: 'processed' },
    {
      name: 'names.gpx',
      bytes: text(
        `<?xml version="1.0"?><gpx version="1.1"><trk><trkseg>${gpxPoints.join('\n')}</trkseg></trk></gpx>`,
      ),
      expect: 'processed',
    },
    { name: 'wide.csv', bytes: text(`${header}\n${wideRows.join('\n')}\n`), expect: 'processed' },
    // Cut off inside tags that never close: salvaged up to the damage, linearly.
    { name: 'unclosed.gpx', bytes: text(unclosed), expect: 'processed' },
    {
      name: 'random.fit',
      bytes: Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251),
      expect: 'failed',
    },
  ];
}

describe('hostile files against a real server process', () => {
  let root: string;
  let server: ChildProcess;
  let url: string;
  let token: string;

  beforeAll(async () => {
    root = await makeTempDir('peakform-attack-');
    const dataDir = join(root, 'data');
    token = (await runCli(['token', 'create', '--data', dataDir, '--athlete', 'mallory'])).stdout.trim();
    server = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0']);
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        const match = chunk.toString().match(/Peakform API on (http:\/\/\S+)/);
        if (match) resolve(match[1]!.replace('localhost', '127.0.0.1'));
      });
      server.on('exit', () => reject(new Error('the server exited')));
    });
  });
  afterAll(async () => {
    server.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('answers every file with its recorded source while health keeps answering, within bounded memory', async () => {
    for (const file of hostileFiles()) {
      let uploading = true;
      let answered = 0;
      const probe = (async () => {
        while (uploading) {
          const response = await fetch(`${url}/health`);
          await response.arrayBuffer();
          if (uploading) answered++;
          await new Promise((done) => setTimeout(done, 5));
        }
      })();
      const form = new FormData();
      form.append('files', new Blob([file.bytes as Uint8Array<ArrayBuffer>]), file.name);
      const response = await fetch(`${url}/api/v1/activities/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      uploading = false;
      await probe;
      expect(response.status, file.name).toBe(201);
      const [source] = (
        (await response.json()) as { sources: { status: string; error: { code: string } | null }[] }
      ).sources;
      expect(source!.status, file.name).toBe(file.expect);
      if (file.expect === 'failed') expect(source!.error?.code).toMatch(/^ERR_INGEST_/);
      expect(answered, `health answered while ${file.name} was processed`).toBeGreaterThan(0);
    }
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
    const peakMiB = Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) / 1024;
    expect(peakMiB).toBeLessThan(MAX_SERVER_PEAK_MIB);
  });
});

describe('hostile files through the CLI', () => {
  it('prints one line per bad file, ingests the rest and exits 1', async () => {
    const root = await makeTempDir('peakform-attack-cli-');
    try {
      const folder = join(root, 'in');
      const files = hostileFiles();
      await mkdir(folder);
      for (const file of files) await writeFile(join(folder, file.name), file.bytes);
      await writeFile(
        join(folder, 'good.csv'),
        csvRide({ startIso: '2024-05-01T07:00:00Z', durationS: 600 }),
      );
      const result = await runCli(['ingest', '--data', join(root, 'data'), '--athlete', 'cli', folder]);
      expect(result.code).toBe(1);
      const failedLines = result.stderr.split('\n').filter((line) => line.startsWith('✗'));
      expect(failedLines).toHaveLength(files.filter((f) => f.expect === 'failed').length);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      const listed = await runCli([
        'activities',
        'list',
        '--data',
        join(root, 'data'),
        '--athlete',
        'cli',
        '--json',
      ]);
      expect(listed.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(
        files.filter((f) => f.expect === 'processed').length + 1,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
