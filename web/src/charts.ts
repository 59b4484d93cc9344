import * as Plot from '@observablehq/plot';
import { formatDuration } from './format.ts';

/** Chart defaults shared by the pages (Observable Plot: declarative SVG, see README "Web app"). */
export const WIDTH = 860;
/** Narrowest chart drawn; a narrower screen scales it down. */
const MIN_WIDTH = 320;
/** The page's side padding (main's 1.25rem each side, with room to spare). */
const PAGE_PADDING = 48;

/**
 * The width charts are drawn at: WIDTH, or the window's width less the page's padding on a
 * smaller screen, so a phone gets legible 13 px labels rather than a scaled-down desktop chart.
 * Charts are drawn when a page renders (a resize takes effect on the next navigation).
 */
export function chartWidth(): number {
  const available = (globalThis.innerWidth || WIDTH) - PAGE_PADDING;
  return Math.round(Math.min(WIDTH, Math.max(MIN_WIDTH, available)));
}

export function plot(options: Plot.PlotOptions): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: chartWidth(),
    height: 360,
    marginLeft: 56,
    style: { fontSize: '13px', color: '#1a1a1a', background: 'transparent' },
    ...options,
  });
}

const DURATION_TICKS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800];
const SPARSE_DURATION_TICKS = [1, 15, 60, 300, 1200, 3600, 14400];

/** A log duration scale; its axis is `durationAxis()` (d3's log formatter would blank some labels). */
export const logDurationAxis = (): Plot.ScaleOptions => ({ type: 'log', axis: null });

/** The duration axis and grid, labelled 5 s, 1 min, 20 min, 1 h at the ticks inside [min, max]. */
export function durationAxis(durations: number[], label = 'Duration (log scale)'): Plot.Markish[] {
  const min = Math.min(...durations);
  const max = Math.max(...durations);
  // A narrow chart gets every other label, so they do not run into each other.
  const every = chartWidth() < 600 ? SPARSE_DURATION_TICKS : DURATION_TICKS;
  const ticks = every.filter((d) => d >= min && d <= max);
  return [
    Plot.gridX(ticks),
    Plot.axisX(ticks, { text: (d: number) => formatDuration(d), label, labelAnchor: 'right' }),
  ];
}

export { Plot };
