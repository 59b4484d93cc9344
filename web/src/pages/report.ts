import { acting, client, knownNames, principalClient, rows } from '../api.ts';
import { Plot, plot } from '../charts.ts';
import { chartFigure, dataTable, h } from '../dom.ts';
import { addDays, isoDate, num, round } from '../format.ts';
import { fitnessPage } from './fitness.ts';
import { powerPage } from './power.ts';

/**
 * The coach's report (`#/report?start=&end=&model=`, default the last 90 days): power–duration with
 * the fitted model and its parameters and the best-efforts table, the fitness chart (CTL/ATL/TSB,
 * weekly hours and totals), and time in power and heart-rate zones, one section per printed page.
 * The power and fitness sections are those pages themselves, without their controls; `name` titles
 * it when given. `peakform
 * report` prints this page to PDF, or saves its rendered DOM as one self-contained HTML file.
 */
const POWER_ZONES = [
  'Active recovery',
  'Endurance',
  'Tempo',
  'Threshold',
  'VO2max',
  'Anaerobic capacity',
  'Neuromuscular',
];

export async function reportPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const date = (name: string) => {
    const value = params.get(name);
    return value && /^\d{4}-\d\d-\d\d$/.test(value) ? value : null;
  };
  const end = date('end') ?? isoDate(new Date());
  const start = date('start') ?? addDays(end, -89);
  if (start > end) throw new Error(`The report’s start ${start} is after its end ${end}.`);
  const model = params.get('model') ?? 'cp3';
  const target = acting();

  const powerBody = h('div', {});
  const fitnessBody = h('div', {});
  const [who, zones] = await Promise.all([
    // Named by the link (`peakform report` on a server), else known from the team, else asked.
    params.get('name') ??
      (target
        ? Promise.resolve(knownNames()[target.userId] ?? target.userId)
        : principalClient()
            .getUserInfo()
            .then((info) => info.name)),
    zonesSection(start, end),
    powerPage(powerBody, new URLSearchParams({ start, end, model })),
    // The fitness chart, hours and totals: the page's analysis views would overflow the printed page.
    fitnessPage(fitnessBody, new URLSearchParams({ start, end, view: 'report' })),
  ]);
  for (const body of [powerBody, fitnessBody]) asSection(body);

  // The PDF's title too.
  document.title = `Training report: ${who}, ${start} – ${end}`;
  main.replaceChildren(
    h(
      'div',
      { class: 'report', 'data-testid': 'report' },
      h('h1', {}, `Training report: ${who}`),
      h(
        'p',
        { class: 'print-button' },
        h('button', { type: 'button', onclick: () => window.print() }, 'Print or save as PDF'),
      ),
      h(
        'p',
        { class: 'facts' },
        `${start} – ${end} · made ${isoDate(new Date())} by Peakform from the athlete’s data as the API serves it.`,
      ),
      h('section', { class: 'report-section', 'data-testid': 'report-power' }, ...powerBody.childNodes),
      h('section', { class: 'report-section', 'data-testid': 'report-fitness' }, ...fitnessBody.childNodes),
      zones,
    ),
  );
}

/** A page rendered into a report section: no controls or collapsed tables, headings one level down. */
function asSection(body: HTMLElement): void {
  for (const element of body.querySelectorAll('form.controls, details')) element.remove();
  for (const level of ['h2', 'h1'] as const) {
    for (const heading of body.querySelectorAll(level)) {
      const lower = h(level === 'h1' ? 'h2' : 'h3', {}, ...heading.childNodes);
      for (const attribute of heading.attributes) lower.setAttribute(attribute.name, attribute.value);
      heading.replaceWith(lower);
    }
  }
}

/** Time in power and heart-rate zones over the range: the weekly aggregate's zone columns, summed. */
async function zonesSection(start: string, end: string): Promise<HTMLElement> {
  const weeks = rows(await client().getLongitudinalAggregate({ start, end, interval: 'week' }));
  const total = (column: string) =>
    weeks.reduce((sum, week) => {
      const value = num(week[column]);
      return Number.isFinite(value) ? sum + value : sum;
    }, 0);
  const system = (name: 'power' | 'heart_rate', labels: string[]) => {
    const zones = labels.map((label, i) => ({
      label: `Z${i + 1} ${label}`.trim(),
      hours: total(`${name}_z${i + 1}_s`) / 3600,
    }));
    const sum = zones.reduce((s, z) => s + z.hours, 0);
    return { zones, sum };
  };
  const figure = (title: string, testId: string, data: ReturnType<typeof system>, color: string) => {
    if (data.sum === 0) {
      return h(
        'p',
        { class: 'note', 'data-testid': testId },
        `${title}: none in this range (zones need the athlete’s thresholds: PUT /api/v1/profile/thresholds).`,
      );
    }
    const chart = plot({
      height: 40 + 30 * data.zones.length,
      marginLeft: 180,
      x: { label: 'Hours', grid: true },
      y: { domain: data.zones.map((z) => z.label), label: null },
      marks: [
        Plot.barX(data.zones, { x: 'hours', y: 'label', fill: color, className: 'zone-bars' }),
        Plot.ruleX([0]),
      ],
    });
    const top = [...data.zones].sort((a, b) => b.hours - a.hours)[0]!;
    return h(
      'div',
      {},
      chartFigure(
        `${title}, ${start} – ${end}`,
        chart,
        `${round(data.sum, 1)} hours in zones; most in ${top.label} (${round((100 * top.hours) / data.sum)} %).`,
        testId,
      ),
      dataTable(
        title,
        ['Zone', 'Hours', 'Share (%)'],
        data.zones.map((z) => [
          z.label,
          Number(round(z.hours, 2)),
          Number(round((100 * z.hours) / data.sum, 1)),
        ]),
        `${testId}-table`,
      ),
    );
  };
  return h(
    'section',
    { class: 'report-section', 'data-testid': 'report-zones', 'aria-labelledby': 'zones-heading' },
    h('h2', { id: 'zones-heading' }, 'Time in zones'),
    figure('Time in power zones', 'power-zones', system('power', POWER_ZONES), '#1f5fbf'),
    figure(
      'Time in heart-rate zones',
      'heart-rate-zones',
      system('heart_rate', ['', '', '', '', '']),
      '#b91c1c',
    ),
  );
}
