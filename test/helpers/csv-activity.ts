/**
 * Small CSV activities written inline, so API tests do not depend on binary fixtures: a ride of
 * `durationS` seconds at 1 Hz with power, heart rate and cadence.
 */
export function csvRide(options: {
  startIso: string;
  durationS: number;
  sport?: string;
  powerW?: (s: number) => number;
}): Uint8Array {
  const start = Date.parse(options.startIso);
  const lines = ['timestamp,sport,power,heart_rate,cadence,speed,distance'];
  let distance = 0;
  for (let s = 0; s < options.durationS; s++) {
    const power = options.powerW ? options.powerW(s) : 200 + (s % 60);
    const speed = 8 + (s % 10) / 10;
    distance += speed;
    const ts = new Date(start + s * 1000).toISOString().replace('.000Z', 'Z');
    lines.push(
      `${ts},${s === 0 ? (options.sport ?? 'cycling.road') : ''},${power},${120 + (s % 30)},${85 + (s % 5)},${speed},${distance.toFixed(1)}`,
    );
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}
