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
  const sport = metric === 'power' ? 'cycling' : 'running';
  const api = client();
  const ranges: [string, string][] = [[start, end], ...compares];
  const label = ([a, b]: [string, string]) => `${a} – ${b}`;

  const [curves, fit, thresholds] = await Promise.all([
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

  const form = controls({ start, end, metric, unit, model, compares });
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
      h('h2', { id: 'model-heading' }, `Model: ${fit.model} (${fit.start} – ${fit.end})`),
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
      unit: String(data.get('unit')),
      model: String(data.get('model')),
    });
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
    ),
    h('div', { class: 'row' }, ...compareInputs),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, 'Show'),
      preset('+ Same range last year', () => [addYears(state.start, -1), addYears(state.end, -1)]),
      preset('+ Last 42 days', () => [addDays(state.end, -41), state.end]),
      preset('+ All time', () => [addDays(addYears(state.end, -20), 1), state.end]),
    ),
  );
}
