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
});
