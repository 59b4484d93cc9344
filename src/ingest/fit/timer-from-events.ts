import type { FitMessage } from './decode-fit.ts';
import { fitTimeToEpochS } from './fit-time.ts';

export interface TimerEvent {
  timeS: number;
  running: boolean;
}

/** FIT timer events (start / stop / stopAll / stopDisable…) in time order. */
export function readTimerEvents(eventMesgs: readonly FitMessage[]): TimerEvent[] {
  const events: TimerEvent[] = [];
  for (const mesg of eventMesgs) {
    const timeS = fitTimeToEpochS(mesg.timestamp);
    if (mesg.event !== 'timer' || timeS === null || typeof mesg.eventType !== 'string') continue;
    if (mesg.eventType === 'start') events.push({ timeS, running: true });
    else if (mesg.eventType.startsWith('stop')) events.push({ timeS, running: false });
  }
  return events.sort((a, b) => a.timeS - b.timeS);
}

/**
 * Seconds the timer ran between `fromS` (inclusive) and `toS` (exclusive), for files without a
 * session total. A timer still running at the end (an unterminated file) runs to `lastSampleS`.
 * Null when no timer event falls in the range.
 */
export function timerFromEvents(
  events: readonly TimerEvent[],
  fromS: number,
  toS: number,
  lastSampleS: number | null,
): number | null {
  let totalS = 0;
  let runningSinceS: number | null = null;
  let seen = false;
  for (const { timeS, running } of events) {
    if (timeS < fromS || timeS >= toS) continue;
    seen = true;
    if (running && runningSinceS === null) runningSinceS = timeS;
    else if (!running && runningSinceS !== null) {
      totalS += timeS - runningSinceS;
      runningSinceS = null;
    }
  }
  if (!seen) return null;
  if (runningSinceS !== null && lastSampleS !== null) totalS += Math.max(0, lastSampleS - runningSinceS);
  return totalS;
}
