import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './cli-error.ts';

/**
 * `peakform.toml`, the project file `peakform app link` writes and `peakform page deploy` reads
 * (the platform's CLI keeps the same keys in `sweatstack.toml`):
 *
 *     [app]
 *     name = "Ride log"
 *     client_id = "3f2a…"
 *
 *     [page]
 *     slug = "ride-log"
 *     directory = "site"
 *
 * Only this subset of TOML is read: tables of string keys with basic-string values, and comments.
 */
export const PROJECT_FILE = 'peakform.toml';

export interface ProjectConfig {
  app?: { name?: string; client_id?: string };
  page?: { slug?: string; directory?: string };
}

export async function readProjectConfig(dir: string): Promise<ProjectConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, PROJECT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseProjectConfig(text, join(dir, PROJECT_FILE));
}

export function parseProjectConfig(text: string, where = PROJECT_FILE): ProjectConfig {
  const config: Record<string, Record<string, string>> = {};
  let table: Record<string, string> | undefined;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const header = /^\[([A-Za-z0-9_-]+)\]\s*(#.*)?$/.exec(line);
    if (header) {
      table = config[header[1]!] ??= {};
      return;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(line);
    if (!pair || !table) {
      throw new UsageError(
        `${where}:${index + 1}: expected [table] or key = "value", found "${line.slice(0, 60)}".`,
      );
    }
    table[pair[1]!] = unescapeBasicString(pair[2]!);
  });
  return config as ProjectConfig;
}

export function formatProjectConfig(config: ProjectConfig): string {
  const lines = ['# Written by peakform app link: the application and page of this directory.'];
  for (const [name, table] of Object.entries(config) as [string, Record<string, string | undefined>][]) {
    const entries = Object.entries(table).filter((e): e is [string, string] => e[1] !== undefined);
    if (entries.length === 0) continue;
    lines.push('', `[${name}]`, ...entries.map(([key, value]) => `${key} = ${JSON.stringify(value)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Written under a temporary name and renamed, so a reader never sees half a file. */
export async function writeProjectConfig(dir: string, config: ProjectConfig): Promise<string> {
  const path = join(dir, PROJECT_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, formatProjectConfig(config));
  await rename(temporary, path);
  return path;
}

function unescapeBasicString(value: string): string {
  return value.replace(/\\(u[0-9a-fA-F]{4}|["\\nt])/g, (_m, sequence: string) => {
    if (sequence.startsWith('u')) return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
    return ({ n: '\n', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[sequence]!;
  });
}
