import { describe, expect, it } from 'vitest';
import { LongitudinalMeanMaxQuerySchema } from '../../src/domain/wire.ts';
import { toQueryString } from '../../src/sdk/query-string.ts';

/** Reads a query string the way Fastify does: a repeated key becomes an array. */
function parseQuery(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = out[key];
    out[key] = seen === undefined ? value : [...[seen].flat(), value];
  }
  return out;
}

describe('toQueryString()', () => {
  it('writes lists as repeated keys', () => {
    expect(toQueryString({ sport: ['cycling', 'running'], tags: ['race'] })).toBe(
      '?sport=cycling&sport=running&tags=race',
    );
    expect(toQueryString({ after: [500, 1000] })).toBe('?after=500&after=1000');
  });

  it('writes durations as one comma list, or all', () => {
    expect(toQueryString({ durations: [5, 60, 300] })).toBe('?durations=5,60,300');
    expect(toQueryString({ durations: 'all' })).toBe('?durations=all');
    expect(toQueryString({ durations: 60 })).toBe('?durations=60');
  });

  it('writes booleans as true/false and numbers as decimals', () => {
    expect(toQueryString({ envelope: true, limit: 10 })).toBe('?envelope=true&limit=10');
    expect(toQueryString({ envelope: false })).toBe('?envelope=false');
  });

  it('leaves out undefined, null and empty lists, and gives an empty string for nothing', () => {
    expect(toQueryString({ sport: undefined, start: null, tags: [], durations: [] })).toBe('');
    expect(toQueryString()).toBe('');
  });

  it('percent-encodes values, so a + in a sport code is not read as a space', () => {
    const text = toQueryString({ sport: 'cycling+stationary', tags: 'a&b=c' });
    expect(text).toBe('?sport=cycling%2Bstationary&tags=a%26b%3Dc');
    expect(parseQuery(text)).toEqual({ sport: 'cycling+stationary', tags: 'a&b=c' });
  });

  it('writes what the wire schema reads back to the same values', () => {
    const text = toQueryString({
      sport: ['cycling', 'running'],
      start: '2024-01-01',
      end: '2024-03-31',
      metric: 'power',
      durations: [300, 5, 60],
      envelope: true,
      after: [500, 1000],
    });
    expect(LongitudinalMeanMaxQuerySchema.parse(parseQuery(text))).toEqual({
      sport: ['cycling', 'running'],
      start: '2024-01-01',
      end: '2024-03-31',
      metric: 'power',
      durations: [5, 60, 300],
      envelope: true,
      after: [500, 1000],
    });
  });
});
