import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DAILY_SOURCES, type DailySource } from '../../domain/daily-measures.ts';
import { runAdmin } from '../admin/admin-client.ts';
import { UsageError } from '../cli-error.ts';

export const DAILIES_USAGE = `peakform dailies import [--data DIR] --athlete ID [--source manual|garmin_connect|intervals_icu|wahoo] [--json] <file.csv>
  Imports daily measures from CSV (header date,measure,value). Manual values are never replaced by
  an import from another source. Exits 1 when a line could not be read (the rest are stored).`;

export async function dailiesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'import')
    throw new UsageError(`Unknown dailies action "${action ?? ''}". Use:\n${DAILIES_USAGE}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      athlete: { type: 'string' },
      source: { type: 'string', default: 'manual' },
      json: { type: 'boolean' },
    },
  });
  if (!values.athlete) throw new UsageError('--athlete is required.');
  const [file] = positionals;
  if (!file) throw new UsageError('Name the CSV file to import.');
  if (!(DAILY_SOURCES as readonly string[]).includes(values.source)) {
    throw new UsageError(`--source is one of ${DAILY_SOURCES.join(', ')}.`);
  }
  await access(file).catch(() => {
    throw new UsageError(`${file} does not exist.`);
  });
  // Through a running server's admin socket when there is one, else in this process; either way
  // the file is named by its absolute path and read by the process that imports it.
  const result = await runAdmin(values.data, {
    op: 'dailies.import',
    athleteId: values.athlete,
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
