import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/ingest/parse-iso-time.ts';

const UTC_S = Date.parse('2024-05-10T08:10:46Z') / 1000;

describe('parseIsoTime()', () => {
  it('reads Z, numeric offsets and fractions as UTC epoch seconds', () => {
    expect(parseIsoTime('2024-05-10T08:10:46Z')).toEqual({ epochS: UTC_S, offsetS: 0, isZulu: true });
    expect(parseIsoTime('2024-05-10T10:10:46+02:00')).toEqual({
      epochS: UTC_S,
      offsetS: 7200,
      isZulu: false,
    });
    expect(parseIsoTime('2024-05-10T02:40:46.250-0530')?.epochS).toBe(UTC_S + 0.25);
    expect(parseIsoTime(' 2024-05-10 08:10:46Z ')?.epochS).toBe(UTC_S);
  });

  it('returns a null offset for a naive time instead of guessing the zone', () => {
    expect(parseIsoTime('2024-05-10T08:10:46')).toEqual({ epochS: UTC_S, offsetS: null, isZulu: false });
  });

  it('rejects what is not an ISO 8601 date-time', () => {
    for (const text of [
      '',
      '1715328646',
      '10/05/2024 08:10',
      '2024-13-10T08:10:46Z',
      '2024-05-10T25:00:00Z',
      'garbage',
    ]) {
      expect(parseIsoTime(text), text).toBeNull();
    }
  });
});
