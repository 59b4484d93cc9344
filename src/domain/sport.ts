/**
 * Open Sport Taxonomy codes: `base(.sub)*(+modifier)*`, e.g. `cycling.road`, `cycling+stationary`,
 * `running.trail`. A filter matches an activity when the activity's path starts with the filter's
 * path and carries every modifier of the filter (DESIGN.md §2).
 */
const SPORT_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\+[a-z][a-z0-9_]*)*$/;

export interface SportCode {
  path: string[];
  modifiers: string[];
}

export function isSportCode(value: string): boolean {
  return SPORT_PATTERN.test(value);
}

export function parseSport(value: string): SportCode {
  const [pathPart = '', ...modifiers] = value.split('+');
  return { path: pathPart.split('.'), modifiers };
}

export function sportMatches(activitySport: string, filter: string): boolean {
  const a = parseSport(activitySport);
  const f = parseSport(filter);
  if (f.path.length > a.path.length) return false;
  if (!f.path.every((part, i) => a.path[i] === part)) return false;
  return f.modifiers.every((m) => a.modifiers.includes(m));
}
