import { client, rows } from '../api.ts';
import { durationAxis, logDurationAxis, Plot, plot } from '../charts.ts';
import { chartFigure, dataTable, h } from '../dom.ts';
import { addDays, addYears, formatDuration, isoDate, num, round } from '../format.ts';

/**
 * Power–duration: the longitudinal mean-max curve of a date range (log time axis), up to three
 * other ranges overlaid, W or W/kg (body mass effective on each best's date), the best-efforts
 * table (each point's activity and date, linked), and the fitted model with its parameters.
 * State lives in the URL: `#/power?start=&end=&compare=START..END&metric=&unit=&model=`.
 */
interface Best {
  range: string;
  duration: number;
  value: number;
  start: number;
  activityId: string | null;
}

const MODELS = ['cp2', 'cp3', 'omni', 'exponential'] as const;
const COLORS = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce'];

export async function powerPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const today = isoDate(new Date());
  const end = params.get('end') ?? today;
  const start = params.get('start') ?? addDays(addYears(end, -1), 1);
  const metric = params.get('metric') === 'speed' ? 'speed' : 'power';
  const unit = metric === 'power' && params.get('unit') === 'wkg' ? 'wkg' : 'abs';
  const model = (MODELS as readonly string[]).includes(params.get('model') ?? '')
    ? (params.get('model') as (typeof MODELS)[number])
    : 'cp3';
  const compares = params
    .getAll('compare')
    .map((text) => text.split('..'))
    .filter((pair): pair is [string, string] => pair.length === 2 && /^\d{4}-\d\d-\d\d$/.test(pair[0]!))
    .slice(0, 3);
  // Fatigue resistance: `after=0,1000,2000` (kJ of work before the window), power only.
  const after = metric === 'power' ? parseAfter(params.get('after')) : [];
  const sport = metric === 'power' ? 'cycling' : 'running';
  const api = client();
  const ranges: [string, string][] = [[start, end], ...compares];
  const label = ([a, b]: [string, string]) => `${a} – ${b}`;

  const [curves, fit, thresholds, fatigue] = await Promise.all([
    Promise.all(
      ranges.map(async ([a, b]) =>
        rows(await api.getLongitudinalMeanMax({ start: a, end: b, metric, sport: [sport] })).map(
          (row): Best => ({
            range: label([a, b]),
            duration: num(row.duration),
            value: num(row[metric]),
            start: num(row.start),
            activityId: (row.activity_id as string | null) ?? null,
          }),
        ),
      ),
    ),
    api
      .getIntensityDurationModel({ metric, model: metric === 'speed' ? 'cp2' : model, start, end, sport })
      .catch((error: Error) => error),
    metric === 'power' ? api.listThresholds() : Promise.resolve([]),
    after.length === 0
      ? Promise.resolve(null)
      : api
          .getLongitudinalMeanMax({ start, end, metric: 'power', sport: [sport], after })
          .then(rows)
          .catch((error: Error) => error),
  ]);

  // Body mass effective on a date: the latest cycling (or any-sport root) threshold row with a weight.
  const weights = thresholds
    .filter((t) => t.weight_kg && (t.sport === 'cycling' || sport.startsWith(t.sport)))
    .sort((a, b) => a.effective_from.localeCompare(b.effective_from));
  const massOn = (ms: number): number | null => {
    const date = isoDate(new Date(ms));
    let mass: number | null = null;
    for (const t of weights) if (t.effective_from <= date) mass = t.weight_kg ?? null;
    return mass ?? weights[0]?.weight_kg ?? null;
  };
  const show = (best: Best): number | null => {
    if (metric === 'speed') return best.value * 3.6;
    if (unit === 'abs') return best.value;
    const mass = massOn(best.start);
    return mass ? best.value / mass : null;
  };
  const yLabel = metric === 'speed' ? 'Speed (km/h)' : unit === 'wkg' ? 'Power (W/kg)' : 'Power (W)';
  const digits = unit === 'wkg' ? 2 : metric === 'speed' ? 1 : 0;
  const primary = curves[0]!;
  const points = curves.flat().flatMap((b) => {
    const y = show(b);
    return y === null ? [] : [{ ...b, y }];
  });

  const form = controls({ start, end, metric, unit, model, compares, after });
  const marks: Plot.Markish[] = [
    Plot.line(points, { x: 'duration', y: 'y', stroke: 'range', strokeWidth: 2, className: 'curves' }),
    Plot.dot(
      points.filter((p) => p.range === label(ranges[0]!)),
      { x: 'duration', y: 'y', fill: 'range', r: 3, className: 'primary-bests', tip: true },
    ),
  ];
  let modelSection: HTMLElement;
  if (fit instanceof Error) {
    modelSection = h('p', { class: 'note' }, `No model: ${fit.message}`);
  } else if (!fit.ok) {
    modelSection = h('p', { class: 'note' }, `No model for this range: ${fit.reason ?? 'the fit failed'}.`);
  } else {
    const curve = fit.curve.filter((c) => c.modelled !== null);
    const mass = massOn(Date.now());
    const scale = (v: number) =>
      metric === 'speed' ? v * 3.6 : unit === 'wkg' ? (mass ? v / mass : Number.NaN) : v;
    marks.push(
      Plot.line(
        curve.map((c) => ({ duration: c.duration_s, y: scale(c.modelled!) })),
        {
          x: 'duration',
          y: 'y',
          stroke: '#111',
          strokeDasharray: '5,4',
          strokeWidth: 1.5,
          className: 'model',
        },
      ),
    );
    modelSection = h(
      'section',
      { 'aria-labelledby': 'model-heading' },
      h(
        'h2',
        { id: 'model-heading' },
        metric === 'speed'
          ? `Critical speed model (${fit.start} – ${fit.end})`
          : `Model: ${fit.model} (${fit.start} – ${fit.end})`,
      ),
      metric === 'speed' ? criticalSpeed(fit.parameters) : '',
      h(
        'dl',
        { class: 'params', 'data-testid': 'model-parameters' },
        ...Object.entries(fit.parameters).flatMap(([name, value]) => [
          h('dt', {}, name),
          h('dd', { 'data-name': name }, round(value, value < 10 ? 2 : 0)),
        ]),
        h('dt', {}, 'RMSE'),
        h('dd', { 'data-name': 'rmse' }, round(fit.rmse, 1)),
        h('dt', {}, 'R²'),
        h('dd', { 'data-name': 'r2' }, round(fit.r2, 3)),
        h('dt', {}, 'Activities'),
        h('dd', { 'data-name': 'activity_count' }, fit.activity_count),
      ),
    );
  }

  const chart = plot({
    x: logDurationAxis(),
    y: { label: yLabel, grid: true, zero: false },
    color: { legend: true, domain: ranges.map(label), range: COLORS },
    marks: [...durationAxis(points.length ? points.map((p) => p.duration) : [1, 3600]), ...marks],
  });
  const best5 = primary.find((b) => b.duration === 300);
  const best20 = primary.find((b) => b.duration === 1200);
  const summary =
    primary.length === 0
      ? `No ${metric} data between ${start} and ${end}.`
      : `Best efforts between ${start} and ${end} over ${primary.length} durations` +
        (best5 ? `; 5 min ${round(show(best5), digits)} ${unitName(metric, unit)}` : '') +
        (best20 ? `; 20 min ${round(show(best20), digits)} ${unitName(metric, unit)}` : '') +
        '. The table below lists every point.';

  main.replaceChildren(
    h('h1', {}, metric === 'power' ? 'Power–duration' : 'Speed–duration'),
    form,
    chartFigure(`${yLabel} by duration, ${ranges.map(label).join(' vs ')}`, chart, summary, 'pd-chart'),
    modelSection,
    fatigue === null ? '' : fatigueSection(fatigue, { start, end, after, yLabel, digits, unit, massOn }),
    unit === 'wkg' && weights.length === 0
      ? h('p', { class: 'note' }, 'No body mass recorded (PUT /api/v1/profile/thresholds with weight_kg).')
      : '',
    dataTable(
      `Best efforts ${label(ranges[0]!)}`,
      ['Duration', yLabel, 'Date', 'Activity'],
      primary.map((b) => [
        formatDuration(b.duration),
        Number(round(show(b), digits)),
        isoDate(new Date(b.start)),
        b.activityId ? h('a', { href: `#/activity/${b.activityId}` }, 'open activity') : '–',
      ]),
      'best-efforts',
    ),
  );
}

/** Up to five kJ values, sorted and distinct; anything else is ignored. */
function parseAfter(text: string | null): number[] {
  if (!text) return [];
  const values = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map(Number)
    .filter((v) => Number.isFinite(v) && v >= 0 && v <= 100_000);
  return [...new Set(values)].sort((a, b) => a - b).slice(0, 5);
}

/** Critical speed and D′ of a cp2 speed fit, as a runner reads them: km/h, pace per km, metres. */
function criticalSpeed(parameters: Record<string, number>): HTMLElement {
  const cs = parameters.cs_mps;
  const dPrime = parameters.d_prime_m;
  if (cs === undefined || dPrime === undefined) return h('p', { class: 'note' }, 'No CS or D′ in this fit.');
  const paceS = Math.round(1000 / cs);
  return h(
    'p',
    { class: 'facts', 'data-testid': 'critical-speed' },
    'Critical speed ',
    h('strong', { 'data-name': 'cs_kmh' }, round(cs * 3.6, 2)),
    ' km/h (',
    h('span', { 'data-name': 'cs_pace' }, `${Math.floor(paceS / 60)}:${String(paceS % 60).padStart(2, '0')}`),
    ' per km), D′ ',
    h('strong', { 'data-name': 'd_prime' }, round(dPrime, 0)),
    ' m: above CS a runner can cover about D′ metres more than CS alone allows before exhaustion.',
  );
}

interface FatigueOptions {
  start: string;
  end: string;
  after: number[];
  yLabel: string;
  digits: number;
  unit: string;
  massOn: (ms: number) => number | null;
}

const FATIGUE_COLORS = ['#1f5fbf', '#0e7490', '#c2410c', '#b91c1c', '#6b21a8'];
/** Durations the fatigue table and summary quote (those of the curve that exist). */
const FATIGUE_DURATIONS = [5, 60, 300, 1200, 3600];

/**
 * Fatigue resistance: the longitudinal curve of windows that begin after N kJ of work in the same
 * activity (the API's `after`), one line per N, with a table of each curve at a few durations and
 * its share of the fresh (0 kJ, or the lowest N asked) value.
 */
function fatigueSection(result: Record<string, unknown>[] | Error, options: FatigueOptions): HTMLElement {
  const heading = h('h2', { id: 'fatigue-heading' }, 'Fatigue resistance');
  if (result instanceof Error)
    return h(
      'section',
      { 'aria-labelledby': 'fatigue-heading' },
      heading,
      h('p', { class: 'note' }, `No fatigue curves: ${result.message}`),
    );
  const name = (kj: number) => `after ${kj.toLocaleString('en')} kJ`;
  const points = result.flatMap((row) => {
    const value = num(row.power);
    const y = options.unit === 'wkg' ? value / (options.massOn(num(row.start)) ?? Number.NaN) : value;
    return Number.isFinite(y)
      ? [{ duration: num(row.duration), after: num(row.after), curve: name(num(row.after)), y }]
      : [];
  });
  const curveOf = (kj: number) => new Map(points.filter((p) => p.after === kj).map((p) => [p.duration, p.y]));
  const fresh = curveOf(options.after[0]!);
  const durations = FATIGUE_DURATIONS.filter((d) => options.after.some((kj) => curveOf(kj).has(d)));
  const domain = options.after.map(name);
  const chart = plot({
    height: 320,
    x: logDurationAxis(),
    y: { label: options.yLabel, grid: true, zero: false },
    color: { legend: true, domain, range: FATIGUE_COLORS.slice(0, domain.length) },
    marks: [
      ...durationAxis(points.length ? points.map((p) => p.duration) : [1, 3600]),
      Plot.line(points, {
        x: 'duration',
        y: 'y',
        stroke: 'curve',
        strokeWidth: 2,
        className: 'fatigue-curves',
      }),
    ],
  });
  const last = options.after.at(-1)!;
  const tired = curveOf(last);
  const quote = [300, 1200].find((d) => fresh.has(d) && tired.has(d));
  const summary =
    points.length === 0
      ? `No power data between ${options.start} and ${options.end}.`
      : options.after.length === 1
        ? `One curve, ${name(last)}, over ${tired.size} durations.`
        : `${options.after.length} curves (${domain.join(', ')}).` +
          (quote === undefined
            ? ` No ride reached ${last.toLocaleString('en')} kJ with a ${formatDuration(300)} or ${formatDuration(1200)} effort after it.`
            : ` ${formatDuration(quote)} best: ${round(fresh.get(quote), options.digits)} ${name(options.after[0]!)}, ` +
              `${round(tired.get(quote), options.digits)} ${name(last)} (${round((100 * tired.get(quote)!) / fresh.get(quote)!)} %).`);
  const ladder = [0, 250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000];
  const offLadder = options.after.filter((kj) => !ladder.includes(kj));
  return h(
    'section',
    { 'aria-labelledby': 'fatigue-heading' },
    heading,
    offLadder.length === 0
      ? ''
      : h(
          'p',
          { class: 'help' },
          `${offLadder.map((kj) => `${kj.toLocaleString('en')} kJ`).join(', ')}: not a stored step (0, 250 … 4,000 kJ), so the API computes ${offLadder.length === 1 ? 'it' : 'them'} from the 365 days up to ${options.end}.`,
        ),
    chartFigure(
      `${options.yLabel} by duration after work done, ${options.start} – ${options.end}`,
      chart,
      summary,
      'fatigue-chart',
    ),
    dataTable(
      `Best efforts after work done (${options.yLabel}; % of ${name(options.after[0]!)})`,
      ['Duration', ...options.after.map((kj) => `${name(kj)}`)],
      durations.map((d) => [
        formatDuration(d),
        ...options.after.map((kj) => {
          const value = curveOf(kj).get(d);
          const base = fresh.get(d);
          if (value === undefined) return '–';
          return kj === options.after[0] || !base
            ? round(value, options.digits)
            : `${round(value, options.digits)} (${round((100 * value) / base)} %)`;
        }),
      ]),
      'fatigue-table',
    ),
  );
}

function unitName(metric: string, unit: string): string {
  return metric === 'speed' ? 'km/h' : unit === 'wkg' ? 'W/kg' : 'W';
}

function controls(state: {
  start: string;
  end: string;
  metric: string;
  unit: string;
  model: string;
  compares: [string, string][];
  after: number[];
}): HTMLElement {
  const field = (id: string, text: string, input: HTMLElement) =>
    h('div', { class: 'field' }, h('label', { for: id }, text), input);
  const date = (id: string, value: string) => h('input', { id, name: id, type: 'date', value });
  const select = (id: string, value: string, options: [string, string][]) =>
    h(
      'select',
      { id, name: id },
      ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
    );
  const compareInputs = [0, 1, 2].map((i) => {
    const pair = state.compares[i];
    return h(
      'fieldset',
      { class: 'compare' },
      h('legend', {}, `Compare with range ${i + 1}`),
      field(`cmp${i}-start`, 'From', date(`cmp${i}-start`, pair?.[0] ?? '')),
      field(`cmp${i}-end`, 'To', date(`cmp${i}-end`, pair?.[1] ?? '')),
    );
  });
  const go = (params: URLSearchParams) => {
    location.hash = `#/power?${params.toString()}`;
  };
  const read = (form: HTMLFormElement): URLSearchParams => {
    const data = new FormData(form);
    const params = new URLSearchParams({
      start: String(data.get('start')),
      end: String(data.get('end')),
      metric: String(data.get('metric')),
      // Absent for speed: the power choices are kept for when power is shown again.
      unit: String(data.get('unit') ?? state.unit),
      model: String(data.get('model') ?? state.model),
    });
    const after = parseAfter(String(data.get('after') ?? ''));
    if (after.length > 0) params.set('after', after.join(','));
    for (let i = 0; i < 3; i++) {
      const a = String(data.get(`cmp${i}-start`) ?? '');
      const b = String(data.get(`cmp${i}-end`) ?? '');
      if (a && b) params.append('compare', `${a}..${b}`);
    }
    return params;
  };
  const preset = (text: string, pair: () => [string, string]) =>
    h(
      'button',
      {
        type: 'button',
        onclick: (event: Event) => {
          const form = (event.target as HTMLElement).closest('form') as HTMLFormElement;
          const params = read(form);
          const compares = params.getAll('compare').slice(0, 2);
          params.delete('compare');
          for (const c of [...compares, pair().join('..')]) params.append('compare', c);
          go(params);
        },
      },
      text,
    );
  return h(
    'form',
    {
      class: 'controls',
      'aria-label': 'Ranges and units',
      onsubmit: (event: Event) => {
        event.preventDefault();
        go(read(event.target as HTMLFormElement));
      },
    },
    h(
      'div',
      { class: 'row' },
      field('start', 'From', date('start', state.start)),
      field('end', 'To', date('end', state.end)),
      field(
        'metric',
        'Metric',
        select('metric', state.metric, [
          ['power', 'Power (cycling)'],
          ['speed', 'Speed (running)'],
        ]),
      ),
      // Units and models of power only: speed is km/h and its model is critical speed.
      ...(state.metric !== 'power'
        ? []
        : [
            field(
              'unit',
              'Unit',
              select('unit', state.unit, [
                ['abs', 'W'],
                ['wkg', 'W/kg'],
              ]),
            ),
            field(
              'model',
              'Model',
              select('model', state.model, [
                ['cp2', 'CP2 (CP, W′)'],
                ['cp3', 'CP3 (Morton)'],
                ['omni', 'OmPD'],
                ['exponential', 'Exponential'],
              ]),
            ),
          ]),
    ),
    h('div', { class: 'row' }, ...compareInputs),
    state.metric !== 'power'
      ? ''
      : h(
          'div',
          { class: 'row' },
          field(
            'after',
            'Fatigue curves after (kJ, up to 5, e.g. 0, 1000, 2000; power only)',
            h('input', {
              id: 'after',
              name: 'after',
              type: 'text',
              inputmode: 'numeric',
              value: state.after.join(', '),
              placeholder: '0, 1000, 2000',
              'aria-describedby': 'after-help',
            }),
          ),
          h(
            'p',
            { id: 'after-help', class: 'help' },
            'Each curve keeps only the windows that begin after that much work in the same ride.',
          ),
        ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, 'Show'),
      preset('+ Same range last year', () => [addYears(state.start, -1), addYears(state.end, -1)]),
      preset('+ Last 42 days', () => [addDays(state.end, -41), state.end]),
      preset('+ All time', () => [addDays(addYears(state.end, -20), 1), state.end]),
      state.metric === 'power'
        ? h(
            'button',
            {
              type: 'button',
              onclick: (event: Event) => {
                const params = read((event.target as HTMLElement).closest('form') as HTMLFormElement);
                params.set('after', '0,1000,2000');
                go(params);
              },
            },
            'Fatigue resistance (0 / 1,000 / 2,000 kJ)',
          )
        : '',
    ),
  );
}
