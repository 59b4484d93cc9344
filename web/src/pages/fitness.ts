import { client, rows } from '../api.ts';
import { Plot, plot } from '../charts.ts';
import { chartFigure, dataTable, h } from '../dom.ts';
import { addDays, isoDate, num, round } from '../format.ts';
import { trendDates, trendStepDays } from '../trend-dates.ts';

/**
 * Fitness over time: daily TSS with CTL, ATL and TSB (the performance management chart), weekly
 * hours and distance, weekly time in power and heart-rate zones (stacked), and CP and W′ (or CS
 * and D′ with `model=speed`) modelled over time (a cp2 fit to the bests of the 90 days up to every
 * 28th day back from the end), for `#/fitness?start=&end=&model=` (default: the last 180 days).
 * The report renders it with `view=report`: the PMC, hours and totals only.
 */
export async function fitnessPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const end = params.get('end') ?? isoDate(new Date());
  const start = params.get('start') ?? addDays(end, -179);
  const trendSpec = TRENDS[params.get('model') === 'speed' ? 'speed' : 'power'];
  // `view=report`: the report's section (PMC, hours, totals) without the analysis views below.
  const analysis = params.get('view') !== 'report';
  const api = client();
  const [load, weeks, trend] = await Promise.all([
    api.getTrainingLoad({ start, end }).then(rows),
    api.getLongitudinalAggregate({ start, end, interval: 'week' }).then(rows),
    analysis ? modelTrend(trendSpec, start, end) : Promise.resolve([]),
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
  const distance = plot({
    height: 200,
    x: { type: 'utc', label: 'Week' },
    y: { label: 'Distance (km)', grid: true },
    marks: [
      Plot.rectY(
        weekly.filter((w) => w.distanceKm > 0),
        {
          x: 'date',
          y: 'distanceKm',
          interval: 'week',
          fill: '#15803d',
          className: 'weekly-distance',
          inset: 1,
        },
      ),
      Plot.ruleY([0]),
    ],
  });
  const totalKm = weekly.reduce((sum, w) => sum + w.distanceKm, 0);
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
          location.hash = `#/fitness?${new URLSearchParams({
            start: String(data.get('start')),
            end: String(data.get('end')),
            model: String(data.get('model')),
          })}`;
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
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'model' }, 'Modelled over time'),
          h(
            'select',
            { id: 'model', name: 'model' },
            h('option', { value: 'power', selected: trendSpec.metric === 'power' }, 'CP and W′ (cycling)'),
            h('option', { value: 'speed', selected: trendSpec.metric === 'speed' }, 'CS and D′ (running)'),
          ),
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
    !analysis
      ? ''
      : chartFigure(
          `Weekly distance, ${start} – ${end}`,
          distance,
          `${round(totalKm, 1)} km over ${weekly.length} weeks; the longest week ${round(Math.max(0, ...weekly.map((w) => w.distanceKm)), 1)} km.`,
          'distance-chart',
        ),
    ...(analysis ? [...zoneFigures(weeks, start, end), ...trendFigures(trendSpec, trend, start, end)] : []),
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

const POWER_ZONES = ['Recovery', 'Endurance', 'Tempo', 'Threshold', 'VO2max', 'Anaerobic', 'Neuromuscular'];
const HR_ZONES = ['Recovery', 'Aerobic', 'Tempo', 'Threshold', 'Anaerobic'];
/** Light to dark, easy to hard; each zone distinct for colour-blind readers by its order in the stack. */
const ZONE_COLORS = ['#9ca3af', '#60a5fa', '#34d399', '#facc15', '#fb923c', '#ef4444', '#7e22ce'];

/** Weekly hours in each zone, stacked (power and heart rate, each when the range has any). */
function zoneFigures(weeks: Record<string, unknown>[], start: string, end: string): HTMLElement[] {
  const systems: ['power' | 'heart_rate', string, string[]][] = [
    ['power', 'power', POWER_ZONES],
    ['heart_rate', 'heart-rate', HR_ZONES],
  ];
  return systems.flatMap(([system, name, labels]) => {
    const zone = (i: number) => `Z${i + 1} ${labels[i]}`;
    const data = weeks.flatMap((w) =>
      labels.map((_, i) => {
        const seconds = num(w[`${system}_z${i + 1}_s`]);
        return {
          week: w.bucket as string,
          date: new Date(`${w.bucket as string}T00:00:00Z`),
          zone: zone(i),
          hours: Number.isFinite(seconds) ? seconds / 3600 : 0,
        };
      }),
    );
    const totals = labels.map((_, i) =>
      data.filter((d) => d.zone === zone(i)).reduce((s, d) => s + d.hours, 0),
    );
    const all = totals.reduce((a, b) => a + b, 0);
    if (all === 0) return [];
    const testId = system === 'power' ? 'power-zones' : 'hr-zones';
    const chart = plot({
      height: 260,
      x: { type: 'utc', label: 'Week' },
      y: { label: 'Hours', grid: true },
      color: {
        legend: true,
        domain: labels.map((_, i) => zone(i)),
        range: ZONE_COLORS.slice(0, labels.length),
      },
      marks: [
        Plot.rectY(
          data.filter((d) => d.hours > 0),
          { x: 'date', y: 'hours', fill: 'zone', interval: 'week', inset: 1, className: `${testId}-bars` },
        ),
        Plot.ruleY([0]),
      ],
    });
    const top = totals.indexOf(Math.max(...totals));
    const hard = totals.slice(3).reduce((a, b) => a + b, 0);
    return [
      chartFigure(
        `Weekly time in ${name} zones, ${start} – ${end}`,
        chart,
        `${round(all, 1)} hours with ${name} zones; most in ${zone(top)} (${round((100 * totals[top]!) / all)} %), ` +
          `${round((100 * hard) / all)} % at ${zone(3).split(' ')[0]} or above.`,
        `${testId}-chart`,
      ),
      h(
        'details',
        {},
        h('summary', {}, `Hours per week in ${name} zones table`),
        dataTable(
          `Hours per week in ${name} zones`,
          ['Week of', ...labels.map((_, i) => `Z${i + 1}`)],
          weeks.map((w) => [
            w.bucket as string,
            ...labels.map((_, i) => {
              const seconds = num(w[`${system}_z${i + 1}_s`]);
              return Number(round(Number.isFinite(seconds) ? seconds / 3600 : 0, 2));
            }),
          ]),
          `${testId}-table`,
        ),
      ),
    ];
  });
}

/** Days in each rolling fit, and days between fits. */
const TREND_WINDOW_DAYS = 90;
/** Fits asked for at once (the API fits each from the bests of its window). */
const TREND_CONCURRENCY = 3;

/** What is modelled over time: CP and W′ from cycling power, or CS and D′ from running speed. */
interface TrendSpec {
  metric: 'power' | 'speed';
  sport: string;
  title: string;
  /** The critical intensity (CP or CS) and the capacity above it (W′ or D′), as shown. */
  critical: { name: string; long: string; unit: string; key: string; scale: number; digits: number };
  capacity: { name: string; unit: string; key: string; scale: number; digits: number };
}

const TRENDS: Record<'power' | 'speed', TrendSpec> = {
  power: {
    metric: 'power',
    sport: 'cycling',
    title: 'Modelled CP and W′ over time',
    critical: { name: 'CP', long: 'Critical power', unit: 'W', key: 'cp_w', scale: 1, digits: 0 },
    capacity: { name: 'W′', unit: 'kJ', key: 'w_prime_j', scale: 1 / 1000, digits: 1 },
  },
  speed: {
    metric: 'speed',
    sport: 'running',
    title: 'Modelled CS and D′ over time',
    critical: { name: 'CS', long: 'Critical speed', unit: 'km/h', key: 'cs_mps', scale: 3.6, digits: 2 },
    capacity: { name: 'D′', unit: 'm', key: 'd_prime_m', scale: 1, digits: 0 },
  },
};

interface TrendPoint {
  date: string;
  windowStart: string;
  ok: boolean;
  reason: string | null;
  /** CP (W) or CS (km/h). */
  critical: number | null;
  /** W′ (kJ) or D′ (m). */
  capacity: number | null;
  r2: number | null;
  activities: number;
}

/** A cp2 fit to the 90 days up to each date, a few fits at a time. */
async function modelTrend(spec: TrendSpec, start: string, end: string): Promise<TrendPoint[]> {
  const api = client();
  const dates = trendDates(start, end);
  const out: TrendPoint[] = new Array(dates.length);
  let next = 0;
  const worker = async () => {
    while (next < dates.length) {
      const i = next++;
      const date = dates[i]!;
      const windowStart = addDays(date, -(TREND_WINDOW_DAYS - 1));
      const fit = await api.getIntensityDurationModel({
        metric: spec.metric,
        model: 'cp2',
        sport: spec.sport,
        start: windowStart,
        end: date,
      });
      const value = (key: string, scale: number) => {
        const v = fit.parameters[key];
        return fit.ok && v !== undefined ? v * scale : null;
      };
      out[i] = {
        date,
        windowStart,
        ok: fit.ok,
        reason: fit.reason,
        critical: value(spec.critical.key, spec.critical.scale),
        capacity: value(spec.capacity.key, spec.capacity.scale),
        r2: fit.r2,
        activities: fit.activity_count,
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(TREND_CONCURRENCY, dates.length) }, worker));
  return out;
}

/** The critical intensity and the capacity over time as two small charts, and their table. */
function trendFigures(spec: TrendSpec, trend: TrendPoint[], start: string, end: string): HTMLElement[] {
  const { critical: c, capacity: w } = spec;
  const fitted = trend.filter((p) => p.ok && p.critical !== null && p.capacity !== null);
  const heading = h('h2', { id: 'trend-heading' }, spec.title);
  const intro = h(
    'p',
    { class: 'help' },
    `Each point is a two-parameter ${c.long.toLowerCase()} fit (${spec.sport}) to the best efforts of the ${TREND_WINDOW_DAYS} days up to its date, every ${trendStepDays(start, end)} days.`,
  );
  if (fitted.length === 0)
    return [heading, intro, h('p', { class: 'note' }, `No fit succeeded between ${start} and ${end}.`)];
  const series = (key: 'critical' | 'capacity', label: string, color: string, testId: string) => {
    const data = fitted.map((p) => ({ date: new Date(`${p.date}T00:00:00Z`), y: p[key]! }));
    return plot({
      height: 200,
      x: {
        type: 'utc',
        label: 'Window end',
        domain: [new Date(`${start}T00:00:00Z`), new Date(`${end}T00:00:00Z`)],
      },
      y: { label, grid: true, zero: false },
      marks: [
        Plot.line(data, { x: 'date', y: 'y', stroke: color, strokeWidth: 2, className: `${testId}-line` }),
        Plot.dot(data, { x: 'date', y: 'y', fill: color, r: 3.5, className: `${testId}-dots`, tip: true }),
      ],
    });
  };
  const first = fitted[0]!;
  const last = fitted.at(-1)!;
  const change = (a: number, b: number, digits: number, unit: string) =>
    `${round(a, digits)} → ${round(b, digits)} ${unit} (${b >= a ? '+' : ''}${round(b - a, digits)}, ${b >= a ? '+' : ''}${round((100 * (b - a)) / a, 1)} %)`;
  const verdict =
    fitted.length < 2
      ? `One fit: ${c.name} ${round(last.critical, c.digits)} ${c.unit}, ${w.name} ${round(last.capacity, w.digits)} ${w.unit} on ${last.date}.`
      : `From ${first.date} to ${last.date}: ${c.name} ${change(first.critical!, last.critical!, c.digits, c.unit)}, ` +
        `${w.name} ${change(first.capacity!, last.capacity!, w.digits, w.unit)}.`;
  const capacities = fitted.map((p) => p.capacity!);
  return [
    heading,
    intro,
    chartFigure(
      `${c.long} (${c.unit}) over time, ${start} – ${end}`,
      series('critical', `${c.name} (${c.unit})`, '#1f5fbf', 'cp-trend'),
      verdict,
      'cp-trend-chart',
    ),
    chartFigure(
      `${w.name} (${w.unit}) over time, ${start} – ${end}`,
      series('capacity', `${w.name} (${w.unit})`, '#c2410c', 'wprime-trend'),
      `${fitted.length} of ${trend.length} windows fitted; ${w.name} ${round(Math.min(...capacities), w.digits)}–${round(Math.max(...capacities), w.digits)} ${w.unit}.`,
      'wprime-trend-chart',
    ),
    dataTable(
      `${c.name} and ${w.name} per window`,
      ['Window', `${c.name} (${c.unit})`, `${w.name} (${w.unit})`, 'R²', 'Activities'],
      trend.map((p) => [
        `${p.windowStart} – ${p.date}`,
        p.critical === null ? `– (${p.reason ?? 'no fit'})` : Number(round(p.critical, c.digits)),
        p.capacity === null ? '–' : Number(round(p.capacity, w.digits)),
        p.r2 === null ? '–' : Number(round(p.r2, 3)),
        p.activities,
      ]),
      'cp-trend-table',
    ),
  ];
}
