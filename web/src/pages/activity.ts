import { client, rows } from '../api.ts';
import { chartWidth, durationAxis, logDurationAxis, Plot, plot } from '../charts.ts';
import { chartFigure, dataTable, h } from '../dom.ts';
import { formatClock, formatDuration, num, round } from '../format.ts';
import { type IntervalStats, intervalStats, parseClock, wPrimeBalanceJ } from '../stream-math.ts';

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

/** Ticks at whole seconds or minutes (10 s … 2 h apart), one per 100 px or so (at most eight). */
function elapsedTicks(from: number, to: number): number[] {
  const most = Math.max(3, Math.min(8, Math.floor(chartWidth() / 100)));
  const step =
    [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].find((s) => (to - from) / s <= most) ?? 14400;
  const first = Math.ceil(from / step);
  return Array.from({ length: Math.floor(to / step) - first + 1 }, (_, i) => (first + i) * step);
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
  params: URLSearchParams,
  match: RegExpMatchArray,
): Promise<void> {
  const id = match[1]!;
  const route = location.hash.replace(/\?.*$/, '');
  const api = client();
  const activity = await api.getActivity({ id });
  const available = STREAMS.filter(([name]) => activity.metrics.includes(name));
  const hasTrack = activity.metrics.includes('latitude') && activity.metrics.includes('longitude');
  const metric = activity.metrics.includes('power') ? 'power' : 'speed';
  const year = activity.start_local.slice(0, 4);
  const [data, curve, season] = await Promise.all([
    api
      .getActivityData({
        id,
        metrics: [
          'duration',
          ...available.map(([name]) => name),
          ...(hasTrack ? ['latitude', 'longitude'] : []),
        ],
      })
      .then(rows),
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
  const reading = (row: Record<string, unknown>, name: string) => {
    const v = row[name];
    return v === null || v === undefined ? null : num(v);
  };
  const samples = data.map((row) => ({
    row,
    t: (num(row.timestamp) - t0) / 1000,
    power: reading(row, 'power'),
    heart_rate: reading(row, 'heart_rate'),
    speed: reading(row, 'speed'),
    cadence: reading(row, 'cadence'),
  }));
  // A sample at t is the second [t, t + 1): the activity spans [0, tEnd).
  const tEnd = samples.length === 0 ? 0 : samples.at(-1)!.t + 1;
  // W′ balance needs the CP and W′ the API applied to this activity (its analysis' thresholds).
  const applied = (activity.analysis?.thresholds ?? {}) as Record<string, number>;
  const wbal =
    activity.metrics.includes('power') && applied.cp_w && applied.w_prime_j
      ? wPrimeBalanceJ(samples, applied.cp_w, applied.w_prime_j)
      : null;
  const track = hasTrack
    ? samples.flatMap((s) => {
        const lat = reading(s.row, 'latitude');
        const lon = reading(s.row, 'longitude');
        return lat === null || lon === null ? [] : [{ t: s.t, lat, lon }];
      })
    : [];

  const initial = zoomFromParams(params, tEnd);
  let view: [number, number] = initial;
  const streamsSection = h('section', { 'aria-label': 'Streams', class: 'streams' });
  const intervalSection = h('section', { 'aria-labelledby': 'interval-heading', 'data-testid': 'interval' });
  const mapSection = h('section', { 'aria-label': 'Map' });
  const fromInput = h('input', { id: 'zoom-from', name: 'from', type: 'text', inputmode: 'numeric' });
  const toInput = h('input', { id: 'zoom-to', name: 'to', type: 'text', inputmode: 'numeric' });
  const zoomStatus = h('p', { class: 'help', role: 'status', 'data-testid': 'zoom-status' });

  /** Draws every stream, the interval and the map for the range [from, to] (seconds). */
  const draw = (next: [number, number]) => {
    // Inside the activity; a range that runs over an end is shifted back, keeping its span.
    let from = Math.min(next[0], next[1]);
    let to = Math.max(next[0], next[1]);
    if (!Number.isFinite(to)) [from, to] = [0, tEnd];
    if (to > tEnd) [from, to] = [from - (to - tEnd), tEnd];
    if (from < 0) [from, to] = [0, Math.min(tEnd, to - from)];
    view = to - from >= MIN_ZOOM_S ? [from, to] : [0, tEnd];
    const whole = view[0] === 0 && view[1] === tEnd;
    fromInput.value = formatClock(view[0]);
    toInput.value = formatClock(view[1]);
    zoomStatus.textContent = whole
      ? `Showing the whole activity, ${formatClock(0)} – ${formatClock(tEnd)}.`
      : `Showing ${formatClock(view[0])} – ${formatClock(view[1])} of ${formatClock(tEnd)}.`;
    // The range in the link, while this page is still the one in the address bar.
    if (location.hash.replace(/\?.*$/, '') === route)
      history.replaceState(
        null,
        '',
        whole ? route : `${route}?from=${Math.round(view[0])}&to=${Math.round(view[1])}`,
      );
    const figures = available.flatMap(([name, label, scale, color]) => {
      const points = samples.flatMap((s) => {
        const v = s.row[name];
        return s.t < view[0] || s.t >= view[1] || v === null || v === undefined
          ? []
          : [{ t: s.t, v: scale(num(v)) }];
      });
      const figure = streamFigure(name, label, color, points, view, name === 'power', zoomTo);
      if (name !== 'power' || wbal === null) return [figure];
      const balance = wbal
        .filter((p) => p.t >= view[0] && p.t < view[1])
        .map((p) => ({ t: p.t, v: p.balanceJ / 1000 }));
      return [figure, wbalFigure(balance, view, applied, activity.analysis, zoomTo)];
    });
    streamsSection.replaceChildren(...figures);
    intervalSection.replaceChildren(...intervalContent(intervalStats(samples, view[0], view[1]), whole));
    mapSection.replaceChildren(...(track.length > 1 ? [mapFigure(track, view)] : []));
  };
  const zoomTo = (range: [number, number]) => draw(range);

  const zoomForm = h(
    'form',
    {
      class: 'controls',
      'aria-label': 'Time range of the charts',
      'data-testid': 'zoom',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const from = parseClock(fromInput.value);
        const to = parseClock(toInput.value);
        if (from === null || to === null) {
          zoomStatus.textContent = 'Write the times as h:mm:ss, m:ss or seconds.';
          return;
        }
        draw([from, to]);
      },
    },
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'zoom-from' }, 'From (h:mm:ss)'), fromInput),
      h('div', { class: 'field' }, h('label', { for: 'zoom-to' }, 'To (h:mm:ss)'), toInput),
      h('button', { type: 'submit' }, 'Zoom'),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            const span = view[1] - view[0];
            draw([view[0] - span / 2, view[1] + span / 2]);
          },
        },
        'Zoom out',
      ),
      h('button', { type: 'button', onclick: () => draw([0, tEnd]) }, 'Reset zoom'),
    ),
    h(
      'p',
      { class: 'help' },
      'Drag across any chart to zoom all of them to that range; on a focused chart, ← and → pan, + and − zoom, 0 resets. The selected interval is the range shown.',
    ),
    zoomStatus,
  );

  draw(initial);
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
    zoomForm,
    intervalSection,
    streamsSection,
    mapSection,
    activity.laps.length === 0 ? h('p', { class: 'note' }, 'No laps recorded.') : '',
    dataTable(
      'Laps',
      [
        'Lap',
        'Start',
        'Duration',
        'Power (W)',
        'Heart rate (bpm)',
        'Speed (km/h)',
        'Cadence (rpm)',
        'Interval',
      ],
      activity.laps.map((lap) => [
        lap.index + 1,
        lap.start_local.slice(11, 19),
        formatClock((Date.parse(lap.end) - Date.parse(lap.start)) / 1000),
        lapValue(lap, 'power'),
        lapValue(lap, 'heart_rate'),
        lapValue(lap, 'speed', 3.6),
        lapValue(lap, 'cadence'),
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              draw([(Date.parse(lap.start) - t0) / 1000, (Date.parse(lap.end) - t0) / 1000]);
              (document.getElementById('interval-heading') as HTMLElement | null)?.focus();
            },
          },
          `Select lap ${lap.index + 1}`,
        ),
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

/** The narrowest range the charts zoom to (seconds); a narrower one resets instead. */
const MIN_ZOOM_S = 2;
/** A drag shorter than this (CSS px) is a click, not a brush. */
const MIN_BRUSH_PX = 5;

/** `?from=&to=` (seconds) from a link, else the whole activity. */
function zoomFromParams(params: URLSearchParams, tEnd: number): [number, number] {
  const from = Number(params.get('from'));
  const to = Number(params.get('to'));
  return params.has('from') && params.has('to') && Number.isFinite(from) && Number.isFinite(to) && to > from
    ? [from, to]
    : [0, tEnd];
}

type Zoom = (range: [number, number]) => void;

/** One stream over the range shown, brushable (drag) and keyboard-zoomable when focused. */
function streamFigure(
  name: string,
  label: string,
  color: string,
  points: { t: number; v: number }[],
  view: [number, number],
  zero: boolean,
  zoomTo: Zoom,
): HTMLElement {
  const values = points.map((p) => p.v);
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  const chart = timeChart(
    label,
    view,
    [Plot.line(points, { x: 't', y: 'v', stroke: color, strokeWidth: 1, className: `${name}-stream` })],
    zero,
  );
  return zoomable(
    chartFigure(
      label,
      chart,
      values.length === 0
        ? `${label}: no readings in this range.`
        : `${label}: mean ${round(mean, 1)}, max ${round(Math.max(...values), 1)} over ${points.length} readings.`,
      `stream-${name}`,
    ),
    chart,
    view,
    zoomTo,
  );
}

function timeChart(
  label: string,
  view: [number, number],
  marks: Plot.Markish[],
  zero: boolean,
  height = 150,
) {
  return plot({
    height,
    marginBottom: 30,
    marginRight: 28,
    x: {
      label: 'Elapsed',
      domain: view,
      ticks: elapsedTicks(view[0], view[1]),
      tickFormat: (d: number) => formatClock(d),
    },
    y: { label, grid: true, zero },
    marks,
  });
}

/**
 * Makes a time chart zoom every chart: a drag across it (pointer) selects a range, drawn as a band
 * while dragging; when it has focus, ← → pan by a fifth of the range, + − zoom by two, 0 resets.
 */
function zoomable(figure: HTMLElement, chart: Element, view: [number, number], zoomTo: Zoom): HTMLElement {
  const svg = chart as SVGSVGElement;
  const x = (chart as unknown as Plot.Plot).scale('x');
  svg.setAttribute('tabindex', '0');
  svg.setAttribute('aria-keyshortcuts', 'ArrowLeft ArrowRight + - 0');
  svg.classList.add('zoomable');
  const timeAt = (event: PointerEvent): number => {
    const box = svg.getBoundingClientRect();
    // The chart's own coordinates: its drawn width may be scaled by CSS.
    const drawn = svg.width.baseVal.value;
    const px = ((event.clientX - box.left) * drawn) / (box.width || drawn);
    const t = Number(x?.invert?.(px));
    return Math.max(view[0], Math.min(view[1], Number.isFinite(t) ? t : view[0]));
  };
  let start: number | null = null;
  let startX = 0;
  let band: SVGRectElement | null = null;
  svg.addEventListener('pointerdown', (event) => {
    start = timeAt(event);
    startX = event.clientX;
    svg.setPointerCapture?.(event.pointerId);
    band = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    band.setAttribute('class', 'brush');
    band.setAttribute('y', '0');
    band.setAttribute('height', String(svg.height.baseVal.value));
    band.setAttribute('fill', 'rgba(245, 158, 11, 0.25)');
    svg.append(band);
  });
  svg.addEventListener('pointermove', (event) => {
    if (start === null || band === null || !x?.apply) return;
    const a = x.apply(start) as number;
    const b = x.apply(timeAt(event)) as number;
    band.setAttribute('x', String(Math.min(a, b)));
    band.setAttribute('width', String(Math.abs(b - a)));
  });
  svg.addEventListener('pointerup', (event) => {
    if (start === null) return;
    const from = start;
    const dragged = Math.abs(event.clientX - startX);
    start = null;
    band?.remove();
    band = null;
    if (dragged >= MIN_BRUSH_PX) zoomTo([from, timeAt(event)]);
  });
  svg.addEventListener('keydown', (event) => {
    const span = view[1] - view[0];
    const middle = (view[0] + view[1]) / 2;
    const moves: Record<string, [number, number] | null> = {
      ArrowLeft: [view[0] - span / 5, view[1] - span / 5],
      ArrowRight: [view[0] + span / 5, view[1] + span / 5],
      '+': [middle - span / 4, middle + span / 4],
      '=': [middle - span / 4, middle + span / 4],
      '-': [middle - span, middle + span],
      '0': [0, Number.POSITIVE_INFINITY],
    };
    const next = moves[event.key];
    if (!next) return;
    event.preventDefault();
    zoomTo(next);
    const again = document.querySelector<SVGElement>(`[data-testid="${figure.dataset.testid}"] svg`);
    again?.focus();
  });
  return figure;
}

/** W′ balance under the power stream: what is left of W′ (kJ), with W′ and zero marked. */
function wbalFigure(
  balance: { t: number; v: number }[],
  view: [number, number],
  applied: Record<string, number>,
  analysis: { w_prime_balance_min_j: number | null; w_prime_balance_min_at_s: number | null } | null,
  zoomTo: Zoom,
): HTMLElement {
  const wPrimeKj = applied.w_prime_j! / 1000;
  const chart = timeChart(
    'W′ balance (kJ)',
    view,
    [
      Plot.ruleY([0], { stroke: '#6b7280' }),
      Plot.ruleY([wPrimeKj], { stroke: '#6b7280', strokeDasharray: '4,3' }),
      Plot.areaY(balance, { x: 't', y: 'v', fill: '#c2410c', fillOpacity: 0.15 }),
      Plot.line(balance, { x: 't', y: 'v', stroke: '#c2410c', strokeWidth: 1.5, className: 'wbal-stream' }),
    ],
    true,
    130,
  );
  const low = balance.reduce<{ t: number; v: number } | null>(
    (m, p) => (m === null || p.v < m.v ? p : m),
    null,
  );
  const whole = analysis?.w_prime_balance_min_j;
  return zoomable(
    chartFigure(
      `W′ balance (differential model, CP ${round(applied.cp_w, 0)} W, W′ ${round(wPrimeKj, 1)} kJ)`,
      chart,
      (low === null
        ? 'No power readings in this range.'
        : `Lowest in this range ${round(low.v, 1)} kJ at ${formatClock(low.t)}.`) +
        (whole === null || whole === undefined
          ? ''
          : ` Lowest of the activity (the API's summary) ${round(whole / 1000, 1)} kJ at ${formatClock(analysis?.w_prime_balance_min_at_s ?? 0)}.`),
      'stream-wbal',
    ),
    chart,
    view,
    zoomTo,
  );
}

/** The selected interval (the range shown): its averages, and NP when it has 30 s of power. */
function intervalContent(stats: IntervalStats, whole: boolean): Node[] {
  const item = (name: string, label: string, value: string, unit: string) => [
    h('dt', {}, label),
    h('dd', { 'data-name': name }, value, value === '–' || unit === '' ? '' : ` ${unit}`),
  ];
  return [
    h(
      'h2',
      { id: 'interval-heading', tabindex: '-1' },
      whole ? 'Whole activity' : `Selected interval ${formatClock(stats.fromS)} – ${formatClock(stats.toS)}`,
    ),
    h(
      'dl',
      { class: 'params', 'data-testid': 'interval-stats' },
      ...item('duration', 'Duration', formatClock(stats.durationS), ''),
      ...item('avg_power', 'Average power', round(stats.avgPowerW, 0), 'W'),
      ...item('np', 'Normalized power', round(stats.npW, 0), 'W'),
      ...item('max_power', 'Max power', round(stats.maxPowerW, 0), 'W'),
      ...item('work', 'Work', round(stats.workKj, 0), 'kJ'),
      ...item('avg_heart_rate', 'Average heart rate', round(stats.avgHeartRateBpm, 0), 'bpm'),
      ...item(
        'avg_speed',
        'Average speed',
        round(stats.avgSpeedMps === null ? null : stats.avgSpeedMps * 3.6, 1),
        'km/h',
      ),
      ...item('avg_cadence', 'Average cadence', round(stats.avgCadence, 0), 'rpm'),
    ),
  ];
}

/** Positions every this many seconds in the map's table. */
const TRACK_TABLE_STEP_S = 300;

/**
 * The track as a line of longitude/latitude in a Mercator projection fitted to it (no tiles, works
 * offline), the selected interval drawn over it, start and finish marked.
 */
function mapFigure(track: { t: number; lat: number; lon: number }[], view: [number, number]): HTMLElement {
  const selected = track.filter((p) => p.t >= view[0] && p.t < view[1]);
  const whole = selected.length === track.length;
  const ends = [
    { ...track[0]!, label: 'Start' },
    { ...track.at(-1)!, label: 'Finish' },
  ];
  const chart = plot({
    height: 420,
    marginLeft: 20,
    projection: {
      type: 'mercator',
      inset: 16,
      domain: { type: 'MultiPoint', coordinates: track.map((p) => [p.lon, p.lat]) },
    },
    marks: [
      Plot.line(track, {
        x: 'lon',
        y: 'lat',
        stroke: whole ? '#1f5fbf' : '#9ca3af',
        strokeWidth: 2,
        className: 'track',
      }),
      whole
        ? null
        : Plot.line(selected, {
            x: 'lon',
            y: 'lat',
            stroke: '#c2410c',
            strokeWidth: 3,
            className: 'track-selected',
          }),
      Plot.dot(ends, { x: 'lon', y: 'lat', fill: ['#15803d', '#111'], r: 5, className: 'track-ends' }),
      // Start above, finish below: on a loop they share a point.
      Plot.text(ends.slice(0, 1), { x: 'lon', y: 'lat', text: 'label', dy: -12, className: 'track-labels' }),
      Plot.text(ends.slice(1), { x: 'lon', y: 'lat', text: 'label', dy: 14, className: 'track-labels' }),
    ],
  });
  const lats = track.map((p) => p.lat);
  const lons = track.map((p) => p.lon);
  const kmPerDegLat = 111.32;
  const midLat = ((Math.min(...lats) + Math.max(...lats)) / 2) * (Math.PI / 180);
  const northSouthKm = (Math.max(...lats) - Math.min(...lats)) * kmPerDegLat;
  const eastWestKm = (Math.max(...lons) - Math.min(...lons)) * kmPerDegLat * Math.cos(midLat);
  const coordinate = (p: { lat: number; lon: number }) => `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;
  return h(
    'div',
    {},
    chartFigure(
      whole ? 'Track' : `Track, ${formatClock(view[0])} – ${formatClock(view[1])} highlighted`,
      chart,
      `${track.length} positions from ${coordinate(track[0]!)} to ${coordinate(track.at(-1)!)}, ` +
        `spanning ${round(northSouthKm, 1)} km north–south and ${round(eastWestKm, 1)} km east–west.`,
      'map',
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Positions table'),
      dataTable(
        `Position every ${formatDuration(TRACK_TABLE_STEP_S)}`,
        ['Elapsed', 'Latitude', 'Longitude'],
        track
          .filter(
            (p, i) =>
              i === 0 ||
              i === track.length - 1 ||
              Math.floor(p.t / TRACK_TABLE_STEP_S) !== Math.floor(track[i - 1]!.t / TRACK_TABLE_STEP_S),
          )
          .map((p) => [formatClock(p.t), p.lat.toFixed(5), p.lon.toFixed(5)]),
        'map-table',
      ),
    ),
  );
}
