// Prints one synthetic athlete (src/demo/synthetic-athlete.ts) and the models fitted to its
// envelope: `npx tsx scripts/synthetic-athlete.ts [seed]`.
import { fitPowerDuration } from '../src/analytics/fit-power-duration.ts';
import { athleteEnvelopeW, syntheticAthlete } from '../src/demo/synthetic-athlete.ts';

function main(): void {
  const seed = Number(process.argv[2] ?? 1);
  const athlete = syntheticAthlete({ seed });
  const { truth } = athlete;
  console.log(
    `synthetic athlete seed=${seed} model=${truth.model} CP=${truth.cpW} W W'=${truth.wPrimeJ} J Pmax=${truth.pmaxW} W`,
  );
  for (const a of athlete.activities) {
    const mean = a.powerW.reduce((s, v) => s + v, 0) / a.powerW.length;
    const effort = a.effortDurationS === null ? '' : ` effort ${a.effortDurationS} s`;
    console.log(
      `  ${a.date} ${a.kind.padEnd(10)} ${(a.powerW.length / 60).toFixed(0).padStart(4)} min avg ${mean.toFixed(0)} W${effort}`,
    );
  }
  const envelope = athleteEnvelopeW(athlete);
  const fits = fitPowerDuration(envelope);
  for (const [name, fit] of Object.entries(fits)) {
    console.log(`  ${name.padEnd(12)} ${fit.ok ? JSON.stringify(fit.params) : `failed: ${fit.reason}`}`);
  }
}

main();
