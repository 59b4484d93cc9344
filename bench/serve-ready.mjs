// Time to ready of `peakform serve`: starts it on a fresh data dir, polls /health every 5 ms,
// prints the milliseconds until the first 200 and stops the server. Plain JavaScript, so the
// measuring adds no transpile time of its own.
//   node bench/serve-ready.mjs [path/to/bin/peakform.mjs]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(process.argv[2] ?? join(import.meta.dirname, '../bin/peakform.mjs'));
const dataDir = mkdtempSync(join(tmpdir(), 'peakform-ready-'));
const port = 20_000 + (process.pid % 20_000);
const started = performance.now();
const server = spawn(process.execPath, [bin, 'serve', '--data', dataDir, '--port', String(port)], {
  stdio: 'ignore',
});
try {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (server.exitCode !== null) throw new Error(`peakform serve exited with ${server.exitCode}`);
    await new Promise((done) => setTimeout(done, 5));
  }
  console.log(`ready in ${Math.round(performance.now() - started)} ms`);
} finally {
  server.kill('SIGTERM');
  await new Promise((done) => server.once('exit', done));
  rmSync(dataDir, { recursive: true, force: true });
}
