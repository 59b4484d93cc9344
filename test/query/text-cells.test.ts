import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstantFormatter } from '../../src/query/formats/text-cells.ts';

describe('isoInstantFormatter', () => {
  it('equals toISOString without .000, with and without Z, in any order of instants', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -62_198_755_200_000, max: 300_000_000_000_000 }), { maxLength: 50 }),
        fc.boolean(),
        (instants, zone) => {
          const format = isoInstantFormatter(zone);
          // Runs of neighbouring seconds too, as samples come.
          const all = instants.flatMap((ms) => [ms, ms + 1000, ms + 59_000, ms - 1]);
          for (const ms of all) {
            if (Math.abs(ms) > 8.64e15) continue;
            const iso = new Date(ms).toISOString().replace('.000Z', 'Z');
            expect(format(ms)).toBe(zone ? iso : iso.replace('Z', ''));
          }
        },
      ),
    );
  });
});
