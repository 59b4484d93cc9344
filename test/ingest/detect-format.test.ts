import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/ingest/detect-format.ts';
import { buildFitFile } from './helpers/fit-file.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('detectFormat()', () => {
  it('finds FIT by its header whatever the file is called', () => {
    const fit = buildFitFile({ records: [{ timeS: 1_715_328_646, power: 100 }] });
    expect(detectFormat(fit, 'ride.csv')).toBe('fit');
    expect(detectFormat(fit)).toBe('fit');
  });

  it('finds TCX and GPX by their XML root, after a BOM, declaration, comments or a namespace prefix', () => {
    expect(
      detectFormat(text('\uFEFF<?xml version="1.0"?>\n<!-- x --><TrainingCenterDatabase/>'), 'a.gpx'),
    ).toBe('tcx');
    expect(detectFormat(text('<tcd:TrainingCenterDatabase xmlns:tcd="x"/>'))).toBe('tcx');
    expect(detectFormat(text('  <gpx version="1.1"></gpx>'), 'a.fit')).toBe('gpx');
    expect(detectFormat(text('<kml></kml>'), 'a.gpx')).toBeNull();
  });

  it('finds CSV by a delimited header row, and a one-column CSV only by its extension', () => {
    expect(detectFormat(text('timestamp,power\n'), 'ride.fit')).toBe('csv');
    expect(detectFormat(text('timestamp;power\n'))).toBe('csv');
    expect(detectFormat(text('timestamp\n2024-05-10T08:10:46Z\n'))).toBe('csv');
    expect(detectFormat(text('hello\n'), 'notes.csv')).toBe('csv');
    expect(detectFormat(text('hello\n'))).toBeNull();
  });

  it('recognizes nothing in binary bytes or an empty file', () => {
    expect(detectFormat(new Uint8Array(0))).toBeNull();
    expect(detectFormat(Uint8Array.from([0, 1, 2, 3, 255, 254, 0, 7]), 'ride.csv')).toBeNull();
  });

  it('tells text from binary by NUL and control bytes as it always did (seeded random heads)', () => {
    // The rule as first written, one byte at a time, against which the table-driven scan is checked.
    const looksLikeText = (head: Uint8Array): boolean => {
      let control = 0;
      for (const byte of head) {
        if (byte === 0) return false;
        if (byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f) control++;
      }
      return control <= head.length / 100;
    };
    let state = 0x11_0d7e;
    const next = (): number => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state / 2 ** 32;
    };
    const header = text('timestamp,power\n');
    let binary = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = new Uint8Array(header.length + Math.floor(next() * 90_000));
      bytes.set(header);
      // Around the 1 % threshold of control bytes, sometimes with a NUL.
      const controlShare = next() * 0.02;
      for (let at = header.length; at < bytes.length; at++) {
        const r = next();
        bytes[at] = r < controlShare ? Math.floor(next() * 0x20) || 0x7f : 0x20 + Math.floor(next() * 0x5f);
      }
      if (next() < 0.1) bytes[header.length + Math.floor(next() * (bytes.length - header.length))] = 0;
      const head = bytes.subarray(0, 64 * 1024);
      const expected = looksLikeText(head) ? 'csv' : null;
      if (expected === null) binary++;
      expect(detectFormat(bytes), `case ${i}`).toBe(expected);
    }
    expect(binary).toBeGreaterThan(50);
    expect(binary).toBeLessThan(350);
  });
});
