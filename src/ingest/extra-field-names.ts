import type { DataIssue } from '../domain/issue.ts';
import { METRIC_NAMES } from '../domain/metrics.ts';
import { toSnakeCase } from './to-snake-case.ts';

/**
 * Extra (non-canonical) fields kept per file. Real files carry a handful (Stryd writes six
 * developer fields); a file with thousands is hostile, and every kept field costs a column per row
 * in every later step, so the rest are dropped with one `field_limit` issue.
 */
export const MAX_EXTRA_FIELDS = 64;

/** Longest extra column name: the store accepts identifiers of at most 63 characters. */
export const MAX_FIELD_NAME_CHARS = 63;

/**
 * Column names an extra field must not take: the canonical metrics and the store's own columns
 * (time keys, ids, the Hive partition keys). A field named like one of them gets `_extra` appended.
 */
export const RESERVED_COLUMN_NAMES: ReadonlySet<string> = new Set([
  ...METRIC_NAMES,
  'timestamp',
  'timestamp_s',
  'timestamp_local',
  'activity_id',
  'athlete_id',
  'source_id',
  'id',
  'sport',
  'duration',
  'year',
]);

const RESERVED_SUFFIX = '_extra';

export interface RenamedExtraFields {
  extra: Record<string, Float64Array>;
  /** Fields whose name had to change, in order. */
  renamed: { from: string; to: string }[];
}

/**
 * Gives every extra column a name that is safe to store: snake_case, starting with a letter, at
 * most MAX_FIELD_NAME_CHARS long, never a reserved name (`power` → `power_extra`) and never one
 * already taken (a numeric suffix `_2`, `_3`, … settles collisions, in field order). Deterministic:
 * the same fields in the same order always get the same names.
 */
export function renameExtraFields(extra: Readonly<Record<string, Float64Array>>): RenamedExtraFields {
  const names = Object.keys(extra);
  // Names that need no change keep their claim first, so a renamed field never displaces one.
  const taken = new Set(names.filter((name) => safeColumnName(name) === name));
  const out: Record<string, Float64Array> = {};
  const renamed: RenamedExtraFields['renamed'] = [];
  for (const name of names) {
    let to = name;
    if (safeColumnName(name) !== name) {
      const base = safeColumnName(name);
      to = base;
      for (let k = 2; taken.has(to) || RESERVED_COLUMN_NAMES.has(to); k++) {
        const suffix = `_${k}`;
        to = `${base.slice(0, MAX_FIELD_NAME_CHARS - suffix.length)}${suffix}`;
      }
      taken.add(to);
      renamed.push({ from: name, to });
    }
    out[to] = extra[name]!;
  }
  return { extra: out, renamed };
}

/** The issue that reports renamed extra fields, or null when none was renamed. */
export function renamedFieldsIssue(renamed: RenamedExtraFields['renamed']): DataIssue | null {
  if (renamed.length === 0) return null;
  return {
    code: 'reserved_field_name',
    message:
      `${renamed.length} extra field(s) were renamed so that they cannot collide with Peakform's own ` +
      `columns (e.g. "${renamed[0]!.from}" is stored as "${renamed[0]!.to}").`,
    details: { renamed: renamed.slice(0, MAX_EXTRA_FIELDS) },
  };
}

/** A name as a safe column name, before collisions with other fields are settled. */
function safeColumnName(name: string): string {
  let base = toSnakeCase(name);
  if (!/^[a-z]/.test(base)) base = `field_${base}`;
  base = base.slice(0, MAX_FIELD_NAME_CHARS).replace(/_+$/, '');
  return RESERVED_COLUMN_NAMES.has(base)
    ? `${base.slice(0, MAX_FIELD_NAME_CHARS - RESERVED_SUFFIX.length)}${RESERVED_SUFFIX}`
    : base;
}
