import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeakformClient } from '../../src/sdk/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** `peakform mcp` as an agent runs it: a child process on stdio, driven by the official MCP client. */

const ROOT = resolve(import.meta.dirname, '../..');

describe('peakform mcp over stdio', () => {
  let server: TestServer;
  let client: Client;
  let activityId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const token = await server.tokenFor('mcp');
    const sdk = new PeakformClient({ baseUrl: server.url, token });
    const bytes = await readFile(join(ROOT, 'data/fixtures/ride-known-power.fit'));
    const uploaded = await sdk.uploadActivities({ files: [{ name: 'ride.fit', bytes }] });
    activityId = uploaded.sources[0]!.activity_ids[0]!;
    client = new Client({ name: 'peakform-test', version: '0.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(ROOT, 'bin/peakform.mjs'), 'mcp'],
        env: { PATH: process.env.PATH ?? '', PEAKFORM_URL: server.url, PEAKFORM_TOKEN: token },
        stderr: 'inherit',
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('lists the read tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'list_activities',
      'longitudinal_mean_max',
      'metabolic_profile',
      'training_load',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.annotations?.readOnlyHint).toBe(true);
    }
    const curve = tools.find((t) => t.name === 'longitudinal_mean_max')!;
    expect(Object.keys(curve.inputSchema.properties ?? {})).toContain('durations');
  });

  it('answers tool calls with what the token may read', async () => {
    const listed = await client.callTool({ name: 'list_activities', arguments: { sport: ['cycling'] } });
    const activities = JSON.parse((listed.content as { text: string }[])[0]!.text);
    expect(activities.map((a: { id: string }) => a.id)).toEqual([activityId]);

    const best = await client.callTool({
      name: 'longitudinal_mean_max',
      arguments: { sport: 'cycling', durations: [5, 60] },
    });
    expect(best.isError, JSON.stringify(best.content)).toBeFalsy();
    const rows = JSON.parse((best.content as { text: string }[])[0]!.text);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0].activity_id).toBe(activityId);

    const wrong = await client.callTool({ name: 'metabolic_profile', arguments: { sport: 'no-such-sport' } });
    expect(wrong.isError).toBe(true);
    expect((wrong.content as { text: string }[])[0]!.text).toContain('ERR_');
  });
});
