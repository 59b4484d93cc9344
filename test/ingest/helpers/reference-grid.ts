/**
 * A deliberately naive 1 Hz gridder, independent of src/ingest: group readings by
 * floor(t − t0) with t0 the first reading's time, average the present values of each second, drop
 * values outside [min, max] first. Returns second → mean (NaN when the second has no value).
 */
export function referenceGrid(
  rows: readonly { t: number; value: number }[],
  range: { min: number; max: number },
): Map<number, number> {
  const t0 = Math.min(...rows.map((r) => r.t));
  const groups = new Map<number, number[]>();
  for (const { t, value } of rows) {
    const second = Math.floor(t - t0);
    const group = groups.get(second) ?? [];
    if (!Number.isNaN(value) && value >= range.min && value <= range.max) group.push(value);
    groups.set(second, group);
  }
  const grid = new Map<number, number>();
  for (const [second, values] of [...groups].sort((a, b) => a[0] - b[0])) {
    grid.set(second, values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  }
  return grid;
}
