import { client, rows } from '../api.ts';
import { durationAxis, logDurationAxis, Plot, plot } from '../charts.ts';
import { chartFigure, dataTable, h } from '../dom.ts';
import { formatClock, formatDuration, num, round } from '../format.ts';

/** The activity list (`#/activities`) and one activity (`#/activity/<id>`). */
export async function activitiesPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const limit = 50;
  const list = await client().listActivities({ limit, offset });
  main.replaceChildren(
    h('h1', {}, 'Activities'),
    dataTable(
      'Activities, newest first',
      ['Date', 'Sport', 'Duration', 'Distance (km)', 'NP (W)', 'TSS'],
      list.map((a) => [
        h('a', { href: `#/activity/${a.id}` }, a.start_local.slice(0, 16).replace('T', ' ')),
        a.sport,
        formatClock(a.elapsed_s),
        a.distance_m === null ? '–' : Number(round(a.distance_m / 1000, 1)),
        analysisNumber(a.analysis, 'normalized_power_w'),
        analysisNumber(a.analysis, 'tss'),
      ]),
      'activities-table',
    ),
    h(
      'nav',
      { 'aria-label': 'Pages of activities', class: 'row' },
      offset > 0 ? h('a', { href: `#/activities?offset=${Math.max(0, offset - limit)}` }, 'Newer') : '',
      list.length === limit ? h('a', { href: `#/activities?offset=${offset + limit}` }, 'Older') : '',
    ),
  );
}

/** Ticks at whole minutes (1, 2, 5, 10, 15, 30 or 60 apart), about eight of them. */
function elapsedTicks(end: number): number[] {
  const step = [60, 120, 300, 600, 900, 1800, 3600, 7200].find((s) => end / s <= 8) ?? 14400;
  return Array.from({ length: Math.floor(end / step) + 1 }, (_, i) => i * step);
}

function analysisNumber(analysis: unknown, key: string): number | string {
  const value = (analysis as Record<string, unknown> | null)?.[key];
  return typeof value === 'number' ? Number(round(value)) : '–';
}

const STREAMS: [string, string, (v: number) => number, string][] = [
  ['power', 'Power (W)', (v) => v, '#1f5fbf'],
  ['heart_rate', 'Heart rate (bpm)', (v) => v, '#b91c1c'],
  ['speed', 'Speed (km/h)', (v) => v * 3.6, '#15803d'],
  ['cadence', 'Cadence (rpm)', (v) => v, '#7e22ce'],
  ['altitude', 'Altitude (m)', (v) => v, '#92400e'],
];

export async function activityPage(
  main: HTMLElement,
  _params: URLSearchParams,
  match: RegExpMatchArray,
): Promise<void> {
  const id = match[1]!;
  const api = client();
  const activity = await api.getActivity({ id });
  const available = STREAMS.filter(([name]) => activity.metrics.includes(name));
  const metric = activity.metrics.includes('power') ? 'power' : 'speed';
  const year = activity.start_local.slice(0, 4);
  const [data, curve, season] = await Promise.all([
    api.getActivityData({ id, metrics: ['duration', ...available.map(([name]) => name)] }).then(rows),
    api.getActivityMeanMax({ id, metric }).then(rows),
    api
      .getLongitudinalMeanMax({
        start: `${year}-01-01`,
        end: `${year}-12-31`,
        metric,
        sport: [activity.sport.split('.')[0]!],
      })
      .then(rows),
  ]);
  const t0 = data.length > 0 ? num(data[0]!.timestamp) : 0;
  const samples = data.map((row) => ({ row, t: (num(row.timestamp) - t0) / 1000 }));
  const tEnd = samples.at(-1)?.t ?? 0;
  const streamFigures = available.map(([name, label, scale, color]) => {
    const points = samples.flatMap((s) => {
      const v = s.row[name];
      return v === null || v === undefined ? [] : [{ t: s.t, v: scale(num(v)) }];
    });
    const values = points.map((p) => p.v);
    const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
    const chart = plot({
      height: 150,
      marginBottom: 30,
      x: {
        label: 'Elapsed',
        domain: [0, tEnd],
        ticks: elapsedTicks(tEnd),
        tickFormat: (d: number) => formatClock(d),
      },
      y: { label, grid: true, zero: name === 'power' },
      marks: [
        Plot.line(points, { x: 't', y: 'v', stroke: color, strokeWidth: 1, className: `${name}-stream` }),
      ],
    });
    return chartFigure(
      label,
      chart,
      `${label}: mean ${round(mean, 1)}, max ${round(Math.max(...values), 1)} over ${points.length} readings.`,
      `stream-${name}`,
    );
  });
  const curveUnit = metric === 'power' ? 'W' : 'km/h';
  const scaleCurve = (v: number) => (metric === 'power' ? v : v * 3.6);
  const curvePoints = [
    ...curve.map((r) => ({
      duration: num(r.duration),
      y: scaleCurve(num(r[metric])),
      series: 'This activity',
    })),
    ...season.map((r) => ({
      duration: num(r.duration),
      y: scaleCurve(num(r[metric])),
      series: `Season ${year} best`,
    })),
  ];
  const curveChart = plot({
    height: 300,
    x: logDurationAxis(),
    y: { label: `${metric === 'power' ? 'Power' : 'Speed'} (${curveUnit})`, grid: true },
    color: { legend: true, domain: ['This activity', `Season ${year} best`], range: ['#c2410c', '#1f5fbf'] },
    marks: [
      ...durationAxis(curvePoints.length ? curvePoints.map((p) => p.duration) : [1, 3600]),
      Plot.line(curvePoints, {
        x: 'duration',
        y: 'y',
        stroke: 'series',
        strokeWidth: 2,
        className: 'curves',
      }),
    ],
  });
  const seasonAt = new Map(season.map((r) => [num(r.duration), scaleCurve(num(r[metric]))]));
  const lapValue = (lap: Record<string, unknown>, key: string, scale = 1) => {
    const block = lap[key] as { mean?: number | null } | null | undefined;
    return block?.mean === null || block?.mean === undefined ? '–' : Number(round(block.mean * scale, 1));
  };
  main.replaceChildren(
    h('h1', {}, `${activity.sport} · ${activity.start_local.slice(0, 16).replace('T', ' ')}`),
    h(
      'p',
      { class: 'facts' },
      `Duration ${formatClock(activity.elapsed_s)}`,
      activity.distance_m === null ? '' : ` · ${round(activity.distance_m / 1000, 2)} km`,
      ` · ${activity.sample_count} samples`,
    ),
    h('section', { 'aria-label': 'Streams', class: 'streams' }, ...streamFigures),
    activity.laps.length === 0 ? h('p', { class: 'note' }, 'No laps recorded.') : '',
    dataTable(
      'Laps',
      ['Lap', 'Start', 'Duration', 'Power (W)', 'Heart rate (bpm)', 'Speed (km/h)', 'Cadence (rpm)'],
      activity.laps.map((lap) => [
        lap.index + 1,
        lap.start_local.slice(11, 19),
        formatClock((Date.parse(lap.end) - Date.parse(lap.start)) / 1000),
        lapValue(lap, 'power'),
        lapValue(lap, 'heart_rate'),
        lapValue(lap, 'speed', 3.6),
        lapValue(lap, 'cadence'),
      ]),
      'laps-table',
    ),
    chartFigure(
      `This activity's ${metric} curve against the season's best (${year})`,
      curveChart,
      `${curve.length} durations for this activity, ${season.length} for the season.`,
      'activity-curve',
    ),
    dataTable(
      `Mean-max ${metric} against the ${year} season`,
      ['Duration', `This activity (${curveUnit})`, `Season best (${curveUnit})`, '% of season best'],
      curve.map((r) => {
        const d = num(r.duration);
        const mine = scaleCurve(num(r[metric]));
        const best = seasonAt.get(d);
        return [
          formatDuration(d),
          Number(round(mine, metric === 'power' ? 0 : 1)),
          best === undefined ? '–' : Number(round(best, metric === 'power' ? 0 : 1)),
          best ? Number(round((100 * mine) / best)) : '–',
        ];
      }),
      'activity-curve-table',
    ),
  );
}
