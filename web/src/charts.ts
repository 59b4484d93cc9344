import * as Plot from '@observablehq/plot';
import { formatDuration } from './format.ts';

/** Chart defaults shared by the pages (Observable Plot: declarative SVG, see README "Web app"). */
export const WIDTH = 860;

export function plot(options: Plot.PlotOptions): SVGSVGElement | HTMLElement {
  return Plot.plot({
    width: WIDTH,
    height: 360,
    marginLeft: 56,
    style: { fontSize: '13px', color: '#1a1a1a', background: 'transparent' },
    ...options,
  });
}

const DURATION_TICKS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800];

/** A log duration scale; its axis is `durationAxis()` (d3's log formatter would blank some labels). */
export const logDurationAxis = (): Plot.ScaleOptions => ({ type: 'log', axis: null });

/** The duration axis and grid, labelled 5 s, 1 min, 20 min, 1 h at the ticks inside [min, max]. */
export function durationAxis(durations: number[], label = 'Duration (log scale)'): Plot.Markish[] {
  const min = Math.min(...durations);
  const max = Math.max(...durations);
  const ticks = DURATION_TICKS.filter((d) => d >= min && d <= max);
  return [
    Plot.gridX(ticks),
    Plot.axisX(ticks, { text: (d: number) => formatDuration(d), label, labelAnchor: 'right' }),
  ];
}

export { Plot };
