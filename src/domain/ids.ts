import { createHash } from 'node:crypto';

/**
 * Ids derive from content, so the same bytes ingested twice for the same athlete give the same
 * ids — also after a crash that lost the catalog commit — and ids never collide across athletes.
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sourceIdFor(athleteId: string, contentSha256: string): string {
  return `src_${sha256Hex(`${athleteId}\n${contentSha256}`).slice(0, 24)}`;
}

export function activityIdFor(sourceId: string, sessionIndex: number): string {
  return `act_${sha256Hex(`${sourceId}\n${sessionIndex}`).slice(0, 24)}`;
}

const ATHLETE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isAthleteId(value: string): boolean {
  return ATHLETE_ID.test(value);
}
