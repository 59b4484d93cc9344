import { resolve } from 'node:path';

/** `--data`, else PEAKFORM_DATA, else ./peakform-data (DESIGN.md §3). */
export function resolveDataDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.PEAKFORM_DATA ?? 'peakform-data');
}
