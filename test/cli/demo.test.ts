import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('npm start (peakform demo)', () => {
  let root = '';
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('seeds the sample activities, serves them and prints a token and a curl line that downloads Arrow', async () => {
    root = await makeTempDir('peakform-demo-');
    const child = spawn(process.execPath, [BIN, 'demo', '--data', join(root, 'data'), '--port', '0']);
    try {
      const output = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('Press Ctrl+C')) resolve(text);
        });
        child.on('exit', (code) => reject(new Error(`demo exited with ${code}: ${text}`)));
      });
      const token = output.match(/Token: (\S+)/)![1]!;
      const url = output.match(
        /-H "Accept: application\/vnd\.apache\.arrow\.stream" \\\n\s+(\S+) -o activity\.arrow/,
      )![1]!;
      expect(output).toMatch(/serving 10 sample activities/);
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.apache.arrow.stream' },
      });
      expect(response.status).toBe(200);
      const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
      expect(table.numRows).toBeGreaterThan(0);
      expect(table.schema.fields.map((f) => f.name)).toEqual(
        expect.arrayContaining(['timestamp', 'timestamp_local']),
      );
      // The printed token is a personal API key: an RS256 JWT.
      expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
