/**
 * Resample irregular readings onto the 1 Hz analysis grid (DESIGN.md §4).
 *
 * Second k of the grid holds the mean of every reading whose offset t satisfies
 * floor(t − t0) = k, where t0 is the offset of the first record. Seconds without a reading are NaN
 * (missing); no filling happens here — that is a gap policy's job (`applyGapPolicy`).
 *
 * @param offsetS seconds since the first record, non-decreasing, may be fractional. Records whose
 *   offset is not finite or lies before the first record are ignored.
 * @param values one reading per record, NaN where the record has no reading for this metric.
 * @returns a Float64Array of length floor(last − t0) + 1 (0 when there are no records).
 */
export function toGrid(offsetS: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const n = Math.min(offsetS.length, values.length);
  if (n === 0) return new Float64Array(0);
  const t0 = offsetS[0]!;
  if (!Number.isFinite(t0))
    throw new RangeError('toGrid: the first offset must be a finite number of seconds');
  let last = 0;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(offsetS[i]! - t0);
    if (k > last) last = k;
  }
  const sum = new Float64Array(last + 1);
  const count = new Uint32Array(last + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const k = Math.floor(offsetS[i]! - t0);
    if (!(k >= 0)) continue;
    sum[k]! += v;
    count[k]!++;
  }
  const grid = new Float64Array(last + 1);
  for (let k = 0; k <= last; k++) grid[k] = count[k] === 0 ? Number.NaN : sum[k]! / count[k]!;
  return grid;
}
