import { PeakformError } from '../../domain/errors.ts';
import { isAthleteId } from '../../domain/ids.ts';

export function assertAthleteIdValid(athleteId: string): void {
  if (!isAthleteId(athleteId)) {
    throw new PeakformError(
      'ERR_ATHLETE_ID_INVALID',
      `"${athleteId}" is not a valid athlete id: use 1–64 letters, digits, "_" or "-", starting with a letter or digit.`,
    );
  }
}
