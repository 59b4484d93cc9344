import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type DailyImportResult, readDailyCsv } from '../../domain/daily-csv.ts';
import { DAILY_SOURCES, type DailySource } from '../../domain/daily-measures.ts';
import { PeakformValidationError } from '../../sdk/errors.ts';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';
import { actingAs, openRemote, type RemoteSession, TARGET_FLAGS } from '../remote/session.ts';
import { USAGE } from '../usage.ts';

export const DAILIES_USAGE = USAGE.dailies;

export async function dailiesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'import')
    throw new UsageError(`Unknown dailies action "${action ?? ''}". Use:\n${DAILIES_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      ...TARGET_FLAGS,
      athlete: { type: 'string' },
      source: { type: 'string', default: 'manual' },
      json: { type: 'boolean' },
    },
  });
  const remote = await openRemote(values);
  if (!remote && !values.athlete) throw new UsageError('--athlete is required with a local data dir.');
  const [file] = positionals;
  if (!file) throw new UsageError('Name the CSV file to import.');
  if (!(DAILY_SOURCES as readonly string[]).includes(values.source)) {
    throw new UsageError(`--source is one of ${DAILY_SOURCES.join(', ')}.`);
  }
  await access(file).catch(() => {
    throw new UsageError(`${file} does not exist.`);
  });
  if (remote && values.source !== 'manual') {
    throw new UsageError(
      `A server stores the values it is sent as manual entries; --source ${values.source} works on a local data dir only.`,
    );
  }
  // On a remote server value by value through the API; locally through a running server's admin
  // socket when there is one, else in this process (the file named by its absolute path and read
  // by the process that imports it).
  const result = remote
    ? await importRemote(await actingAs(remote, values.athlete), await readFile(file, 'utf8'))
    : await runAdmin(values.data, {
        op: 'dailies.import',
        athleteId: values.athlete!,
        path: resolve(file),
        source: values.source as DailySource,
      });
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    for (const bad of result.rejected) process.stderr.write(`✗ ${file}:${bad.line}: ${bad.reason}\n`);
    process.stdout.write(
      `${result.stored} value(s) stored, ${result.keptManual} kept as entered manually, ${result.rejected.length} line(s) rejected.\n`,
    );
  }
  return result.rejected.length > 0 ? 1 : 0;
}

/** The lines the CLI reads are the ones a local import reads; a value the server refuses is a rejected line. */
async function importRemote(session: RemoteSession, text: string): Promise<DailyImportResult> {
  const csv = readDailyCsv(text);
  const result: DailyImportResult = { stored: 0, keptManual: 0, rejected: [...csv.rejected] };
  for (const row of csv.rows) {
    try {
      await session.client.setDaily({ measure: row.measure, body: { date: row.date, value: row.value } });
      result.stored++;
    } catch (error) {
      if (!(error instanceof PeakformValidationError)) throw error;
      result.rejected.push({ line: row.line, reason: error.detail });
    }
  }
  result.rejected.sort((a, b) => a.line - b.line);
  return result;
}
