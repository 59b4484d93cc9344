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
/** The horizontal room a duration label needs (CSS px at 13 px: "20 min" and a gap). */
const DURATION_LABEL_PX = 52;
/** The chart's horizontal margins (Plot's default right, our left). */
const PLOT_MARGINS_PX = 76;

/** A log duration scale; its axis is `durationAxis()` (d3's log formatter would blank some labels). */
export const logDurationAxis = (): Plot.ScaleOptions => ({ type: 'log', axis: null });

/**
 * The duration axis and grid, labelled 5 s, 1 min, 20 min, 1 h at the ticks inside [min, max],
 * skipping a tick that would sit closer than a label's width to the one before (on a narrow chart,
 * or 20 min next to 30 min).
 */
export function durationAxis(durations: number[], label = 'Duration (log scale)'): Plot.Markish[] {
  const min = Math.min(...durations);
  const max = Math.max(...durations);
  const pxPerLog = (chartWidth() - PLOT_MARGINS_PX) / Math.log(max / min || Math.E);
  const ticks: number[] = [];
  for (const d of DURATION_TICKS.filter((t) => t >= min && t <= max)) {
    const previous = ticks.at(-1);
    if (previous === undefined || Math.log(d / previous) * pxPerLog >= DURATION_LABEL_PX) ticks.push(d);
  }
  return [
    Plot.gridX(ticks),
    Plot.axisX(ticks, { text: (d: number) => formatDuration(d), label, labelAnchor: 'right' }),
  ];
}

export { Plot };
