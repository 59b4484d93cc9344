import { client, rows } from '../api.ts';
import { Plot, plot } from '../charts.ts';
import { chartFigure, dataTable, h } from '../dom.ts';
import { addDays, isoDate, num, round } from '../format.ts';

/**
 * Fitness over time: daily TSS with CTL, ATL and TSB (the performance management chart) and weekly
 * hours, for `#/fitness?start=&end=` (default: the last 180 days).
 */
export async function fitnessPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const end = params.get('end') ?? isoDate(new Date());
  const start = params.get('start') ?? addDays(end, -179);
  const api = client();
  const [load, weeks] = await Promise.all([
    api.getTrainingLoad({ start, end }).then(rows),
    api.getLongitudinalAggregate({ start, end, interval: 'week' }).then(rows),
  ]);
  const days = load.map((r) => ({
    date: new Date(`${r.date as string}T00:00:00Z`),
    day: r.date as string,
    tss: num(r.tss),
    ctl: num(r.ctl),
    atl: num(r.atl),
    tsb: num(r.tsb),
  }));
  const series = days.flatMap((d) => [
    { date: d.date, value: d.ctl, series: 'CTL (fitness)' },
    { date: d.date, value: d.atl, series: 'ATL (fatigue)' },
    { date: d.date, value: d.tsb, series: 'TSB (form)' },
  ]);
  const pmc = plot({
    x: { type: 'utc', label: 'Date' },
    y: { label: 'Load (TSS/day)', grid: true },
    color: {
      legend: true,
      domain: ['CTL (fitness)', 'ATL (fatigue)', 'TSB (form)'],
      range: ['#1f5fbf', '#c2410c', '#15803d'],
    },
    marks: [
      Plot.rectY(
        days.filter((d) => d.tss > 0),
        { x: 'date', y: 'tss', interval: 'day', fill: '#9ca3af', className: 'daily-tss' },
      ),
      Plot.ruleY([0]),
      Plot.line(series, { x: 'date', y: 'value', stroke: 'series', strokeWidth: 2, className: 'load-lines' }),
    ],
  });
  const weekly = weeks.map((w) => ({
    week: w.bucket as string,
    date: new Date(`${w.bucket as string}T00:00:00Z`),
    hours: num(w.moving_s ?? w.elapsed_s) / 3600 || 0,
    count: num(w.count),
    distanceKm: num(w.distance_m) / 1000 || 0,
    tss: num(w.tss) || 0,
  }));
  const hours = plot({
    height: 240,
    x: { type: 'utc', label: 'Week' },
    y: { label: 'Hours', grid: true },
    marks: [
      Plot.rectY(weekly, {
        x: 'date',
        y: 'hours',
        interval: 'week',
        fill: '#1f5fbf',
        className: 'weekly-hours',
        inset: 1,
      }),
      Plot.ruleY([0]),
    ],
  });
  const last = days.at(-1);
  const totalHours = weekly.reduce((sum, w) => sum + w.hours, 0);
  main.replaceChildren(
    h('h1', {}, 'Fitness over time'),
    h(
      'form',
      {
        class: 'controls',
        'aria-label': 'Range',
        onsubmit: (event: Event) => {
          event.preventDefault();
          const data = new FormData(event.target as HTMLFormElement);
          location.hash = `#/fitness?${new URLSearchParams({ start: String(data.get('start')), end: String(data.get('end')) })}`;
        },
      },
      h(
        'div',
        { class: 'row' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'start' }, 'From'),
          h('input', { id: 'start', name: 'start', type: 'date', value: start }),
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'end' }, 'To'),
          h('input', { id: 'end', name: 'end', type: 'date', value: end }),
        ),
        h('button', { type: 'submit' }, 'Show'),
      ),
    ),
    chartFigure(
      `Daily TSS with CTL, ATL and TSB, ${start} – ${end}`,
      pmc,
      last
        ? `On ${last.day}: CTL ${round(last.ctl)}, ATL ${round(last.atl)}, TSB ${round(last.tsb)}. Daily values are in the table below.`
        : 'No training load in this range.',
      'pmc-chart',
    ),
    chartFigure(
      `Weekly hours, ${start} – ${end}`,
      hours,
      `${round(totalHours, 1)} hours over ${weekly.length} weeks.`,
      'hours-chart',
    ),
    dataTable(
      'Weekly totals',
      ['Week of', 'Activities', 'Hours', 'Distance (km)', 'TSS'],
      weekly.map((w) => [
        w.week,
        w.count,
        Number(round(w.hours, 2)),
        Number(round(w.distanceKm, 1)),
        Number(round(w.tss)),
      ]),
      'weekly-table',
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Daily training load table'),
      dataTable(
        'Daily training load',
        ['Date', 'TSS', 'CTL', 'ATL', 'TSB'],
        days.map((d) => [
          d.day,
          Number(round(d.tss, 1)),
          Number(round(d.ctl, 1)),
          Number(round(d.atl, 1)),
          Number(round(d.tsb, 1)),
        ]),
        'load-table',
      ),
    ),
  );
}
