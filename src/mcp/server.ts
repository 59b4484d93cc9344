import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { PeakformClient } from '../sdk/index.ts';

/**
 * The MCP server of `peakform mcp`: read tools over one token, each a call of the SDK against a
 * server (PEAKFORM_URL, PEAKFORM_TOKEN), so an agent sees exactly what the token may see through
 * the API. Tables come back as JSON rows (at most MAX_ROWS; the text says when rows were cut).
 */

export const MAX_ROWS = 500;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const sport = z.string().describe('Sport code, e.g. cycling, running, cycling.road (sub-sports match).');

function rowsOf(table: Table): { rows: unknown[]; total: number } {
  const total = table.numRows;
  const rows: unknown[] = [];
  for (let i = 0; i < Math.min(total, MAX_ROWS); i++) rows.push(table.get(i)?.toJSON());
  return { rows, total };
}

function text(value: unknown) {
  return {
    content: [
      {
        type: 'text' as const,
        text: JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2),
      },
    ],
  };
}

function tableText(table: Table) {
  const { rows, total } = rowsOf(table);
  return text(total > rows.length ? { total_rows: total, rows_shown: rows.length, rows } : rows);
}

/** Runs a tool body; API problems become tool errors the agent can read (code, detail, request id). */
async function safely(body: () => Promise<ReturnType<typeof text>>) {
  try {
    return await body();
  } catch (error) {
    return { ...text({ error: error instanceof Error ? error.message : String(error) }), isError: true };
  }
}

export function createMcpServer(client: PeakformClient, version = '0.1.0'): McpServer {
  const server = new McpServer({ name: 'peakform', version });
  server.registerTool(
    'list_activities',
    {
      title: 'List activities',
      description:
        'Activities of the athlete, newest first, with sport, start, duration, distance and summary metrics (GET /api/v1/activities).',
      inputSchema: {
        sport: z.array(sport).optional().describe('Any of these sports.'),
        start: date.optional().describe('First local date, inclusive.'),
        end: date.optional().describe('Last local date, inclusive.'),
        tags: z.array(z.string()).optional().describe('Every one of these tags.'),
        limit: z.number().int().min(1).max(1000).optional().describe('Default 50.'),
        offset: z.number().int().min(0).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    (input) => safely(async () => text(await client.listActivities(input))),
  );
  server.registerTool(
    'longitudinal_mean_max',
    {
      title: 'Best efforts (mean-max curve) over a date range',
      description:
        'For each duration (seconds), the best mean power (or speed, heart rate) over all matching activities and the activity that set it (GET /api/v1/activities/longitudinal-mean-max). Default range: the last 90 days.',
      inputSchema: {
        sport: sport.optional(),
        metric: z.enum(['power', 'speed', 'heart_rate']).optional().describe('Default power.'),
        durations: z
          .array(z.number().int().positive())
          .optional()
          .describe('Seconds, e.g. [5, 60, 300, 1200].'),
        start: date.optional(),
        end: date.optional(),
      },
      annotations: { readOnlyHint: true },
    },
    (input) => safely(async () => tableText(await client.getLongitudinalMeanMax(input))),
  );
  server.registerTool(
    'metabolic_profile',
    {
      title: 'Metabolic profile',
      description:
        'Markers (FTP, CP, W′, thresholds, VO2max, …) with provenance, zones and W/kg for a sport on a date (GET /api/v1/profile/metabolic-profile).',
      inputSchema: {
        sport: sport.optional().describe('Default cycling.'),
        date: date.optional().describe('Default today.'),
      },
      annotations: { readOnlyHint: true },
    },
    (input) => safely(async () => text(await client.getMetabolicProfile(input))),
  );
  server.registerTool(
    'training_load',
    {
      title: 'Training load',
      description:
        'Daily TSS, CTL (fitness), ATL (fatigue), TSB (form) and ramp rate (GET /api/v1/profile/training-load). Default: the last 90 days.',
      inputSchema: { start: date.optional(), end: date.optional() },
      annotations: { readOnlyHint: true },
    },
    (input) => safely(async () => tableText(await client.getTrainingLoad(input))),
  );
  return server;
}

/**
 * `peakform mcp`: serves over stdin/stdout until the client closes the stream, with `client` (the
 * CLI passes its stored login's) or one built from PEAKFORM_URL and PEAKFORM_TOKEN.
 */
export async function runMcpStdio(
  env: NodeJS.ProcessEnv = process.env,
  client?: PeakformClient,
): Promise<void> {
  const baseUrl = env.PEAKFORM_URL;
  const token = env.PEAKFORM_TOKEN;
  if (!client && (!baseUrl || !token))
    throw new Error('set PEAKFORM_URL (the server) and PEAKFORM_TOKEN (an API key or access token)');
  const server = createMcpServer(client ?? new PeakformClient({ baseUrl: baseUrl!, token: token! }));
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
