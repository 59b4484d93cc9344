import type { Lap } from '../../domain/activity.ts';
import type { FitMessage } from './decode-fit.ts';
import { fitNumber } from './fit-number.ts';
import { fitTimeToEpochS } from './fit-time.ts';

/**
 * Lap messages as laps. A lap message is written when the lap ends (`timestamp`); a missing
 * `start_time` (seen in a Sigma file) is taken as the end of the previous lap, or the first record.
 */
export function readFitLaps(lapMesgs: readonly FitMessage[], firstRecordS: number | null): Lap[] {
  const laps: Lap[] = [];
  let previousEndS = firstRecordS;
  for (const mesg of lapMesgs) {
    const elapsedS = fitNumber(mesg.totalElapsedTime);
    const endFromMesg = fitTimeToEpochS(mesg.timestamp);
    const startS =
      fitTimeToEpochS(mesg.startTime) ??
      (endFromMesg !== null && elapsedS !== null ? endFromMesg - elapsedS : previousEndS);
    const endS = endFromMesg ?? (startS !== null && elapsedS !== null ? startS + elapsedS : null);
    if (startS === null || endS === null) continue;
    laps.push({
      index: laps.length,
      startS,
      endS,
      elapsedS: elapsedS ?? endS - startS,
      timerS: fitNumber(mesg.totalTimerTime),
      distanceM: fitNumber(mesg.totalDistance),
      avgPowerW: fitNumber(mesg.avgPower),
      avgHeartRateBpm: fitNumber(mesg.avgHeartRate),
      trigger: typeof mesg.lapTrigger === 'string' ? mesg.lapTrigger : null,
    });
    previousEndS = endS;
  }
  return laps;
}
