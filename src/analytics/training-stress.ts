/**
 * Intensity Factor and Training Stress Score (DESIGN.md §4): IF = NP / FTP and
 * TSS = hours × IF² × 100, where hours = the number of seconds in the metric series / 3600 — all
 * grid seconds under `zero` and `interp:G`, the valid (moving) seconds under `split`. That is how
 * the reference summaries define it (`tss` = metric_seconds / 3600 · if² · 100).
 */
export interface TrainingStress {
  intensityFactor: number;
  tss: number;
}

export function trainingStress(npW: number, ftpW: number, durationS: number): TrainingStress {
  if (!(ftpW > 0)) throw new RangeError(`trainingStress: FTP must be > 0 W (got ${ftpW})`);
  const intensityFactor = npW / ftpW;
  return { intensityFactor, tss: (durationS / 3600) * intensityFactor * intensityFactor * 100 };
}
