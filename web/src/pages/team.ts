import type { PeakformClient } from '../../../src/sdk/index.ts';
import { delegatedClient, principalClient, rememberNames, rows } from '../api.ts';
import { h } from '../dom.ts';
import { addDays, isoDate, num, round } from '../format.ts';

/**
 * The coach's team view. `#/teams`: the teams the signed-in user owns or belongs to (listTeams).
 * `#/team/<id>?date=`: every athlete who authorised the team (listTeamUsers) with current CP and
 * W′ (their metabolic profile on `date`), 5 and 20 min bests of the 90 days up to `date` as W/kg
 * (body mass in force on `date`), CTL on `date` and the last activity; sortable by any column; each
 * athlete's numbers are read with a delegated token for that athlete, as any API client would.
 */
const BEST_WINDOW_DAYS = 90;
/** Athletes read at once: each is a delegated token and four requests. */
const CONCURRENCY = 3;

export async function teamsPage(main: HTMLElement): Promise<void> {
  const teams = await principalClient().listTeams();
  main.replaceChildren(
    h('h1', {}, 'Teams'),
    teams.length === 0
      ? h(
          'p',
          { class: 'note', 'data-testid': 'no-teams' },
          'You own or belong to no team yet. A team is created with ',
          h('code', {}, 'peakform team create'),
          ' or POST /api/v1/teams/; its athletes then authorise it from their account.',
        )
      : h(
          'ul',
          { class: 'team-list', 'data-testid': 'teams' },
          ...teams.map((team) =>
            h(
              'li',
              {},
              h('a', { href: `#/team/${encodeURIComponent(team.id)}` }, team.name),
              team.role ? ` (${team.role})` : '',
              team.description ? h('span', { class: 'note' }, ` — ${team.description}`) : '',
            ),
          ),
        ),
  );
}

interface AthleteRow {
  id: string;
  name: string;
  cpW: number | null;
  wPrimeKj: number | null;
  massKg: number | null;
  wkg5: number | null;
  wkg20: number | null;
  ctl: number | null;
  lastActivity: string | null;
  error: string | null;
}

type SortKey = 'name' | 'cpW' | 'wPrimeKj' | 'wkg5' | 'wkg20' | 'ctl' | 'lastActivity';

const COLUMNS: { key: SortKey; label: string; digits: number }[] = [
  { key: 'name', label: 'Athlete', digits: 0 },
  { key: 'cpW', label: 'CP (W)', digits: 0 },
  { key: 'wPrimeKj', label: 'W′ (kJ)', digits: 1 },
  { key: 'wkg5', label: '5 min (W/kg)', digits: 2 },
  { key: 'wkg20', label: '20 min (W/kg)', digits: 2 },
  { key: 'ctl', label: 'CTL', digits: 1 },
  { key: 'lastActivity', label: 'Last activity', digits: 0 },
];

export async function teamPage(
  main: HTMLElement,
  params: URLSearchParams,
  match: RegExpMatchArray,
): Promise<void> {
  const teamId = decodeURIComponent(match[1]!);
  const date = /^\d{4}-\d\d-\d\d$/.test(params.get('date') ?? '') ? params.get('date')! : isoDate(new Date());
  const api = principalClient();
  const [teams, users] = await Promise.all([api.listTeams(), api.listTeamUsers({ team_id: teamId })]);
  const team = teams.find((t) => t.id === teamId);
  rememberNames(Object.fromEntries(users.map((u) => [u.id, u.display_name])));
  const athletes = await mapLimit(users, CONCURRENCY, (user) =>
    readAthlete(user.id, user.display_name, teamId, date),
  );

  const controls = h(
    'form',
    {
      class: 'controls',
      'aria-label': 'Date',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const value = String(new FormData(event.target as HTMLFormElement).get('date') ?? '');
        location.hash = `#/team/${encodeURIComponent(teamId)}?${new URLSearchParams({ date: value })}`;
      },
    },
    h(
      'div',
      { class: 'row' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'team-date' }, 'As of'),
        h('input', { id: 'team-date', name: 'date', type: 'date', value: date }),
      ),
      h('button', { type: 'submit' }, 'Show'),
    ),
  );
  main.replaceChildren(
    h('h1', {}, team ? `Team: ${team.name}` : `Team ${teamId}`),
    h('p', {}, h('a', { href: '#/teams' }, 'All teams')),
    controls,
    athletes.length === 0
      ? h(
          'p',
          { class: 'note', 'data-testid': 'no-athletes' },
          'No athlete has authorised this team yet. An athlete does so from their account (POST /api/v1/teams/',
          teamId,
          '/authorize).',
        )
      : sortableTable(athletes, teamId, date),
    h(
      'p',
      { class: 'note' },
      `As of ${date}: CP and W′ from each athlete’s metabolic profile (a declared or tested value, else modelled from the best efforts of the 90 days before); 5 and 20 min: the best power of the ${BEST_WINDOW_DAYS} days up to ${date} divided by the body mass in force on ${date}; CTL on ${date}.`,
    ),
  );
}

/** One athlete's numbers, read with a delegated token; a failure is shown on the athlete's row. */
async function readAthlete(id: string, name: string, teamId: string, date: string): Promise<AthleteRow> {
  const row: AthleteRow = {
    id,
    name,
    cpW: null,
    wPrimeKj: null,
    massKg: null,
    wkg5: null,
    wkg20: null,
    ctl: null,
    lastActivity: null,
    error: null,
  };
  let api: PeakformClient;
  try {
    api = (await delegatedClient(id, teamId)).client;
    const [profile, bests, load, latest] = await Promise.all([
      api.getMetabolicProfile({ sport: 'cycling', date }),
      api
        .getLongitudinalMeanMax({
          start: addDays(date, -(BEST_WINDOW_DAYS - 1)),
          end: date,
          metric: 'power',
          sport: ['cycling'],
          durations: [300, 1200],
        })
        .then(rows),
      api.getTrainingLoad({ start: date, end: date }).then(rows),
      api.listActivities({ end: date, limit: 1 }),
    ]);
    row.cpW = profile.power.markers.critical_power?.value ?? null;
    row.wPrimeKj = profile.power.markers.w_prime?.value ?? null;
    row.massKg = profile.body_mass?.value ?? null;
    const best = (seconds: number) => {
      const value = num(bests.find((b) => num(b.duration) === seconds)?.power);
      return Number.isFinite(value) && row.massKg ? value / row.massKg : null;
    };
    row.wkg5 = best(300);
    row.wkg20 = best(1200);
    const ctl = num(load.at(-1)?.ctl);
    row.ctl = Number.isFinite(ctl) ? ctl : null;
    row.lastActivity = latest[0]?.start_local.slice(0, 10) ?? null;
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
  }
  return row;
}

function sortableTable(athletes: AthleteRow[], teamId: string, date: string): HTMLElement {
  const state: { key: SortKey; descending: boolean } = { key: 'name', descending: false };
  const body = h('tbody', {});
  const headers = COLUMNS.map((column) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'sort',
        onclick: () => {
          // A new column sorts numbers and dates highest first, names A–Z; the same column flips.
          state.descending = state.key === column.key ? !state.descending : column.key !== 'name';
          state.key = column.key;
          draw();
        },
      },
      column.label,
    );
    return { column, th: h('th', { scope: 'col', 'data-key': column.key }, button) };
  });
  const base = `#/as/${encodeURIComponent(teamId)}`;
  const draw = () => {
    const sorted = [...athletes].sort((a, b) => compare(a[state.key], b[state.key], state.descending));
    for (const { column, th } of headers) {
      th.setAttribute(
        'aria-sort',
        column.key === state.key ? (state.descending ? 'descending' : 'ascending') : 'none',
      );
    }
    body.replaceChildren(
      ...sorted.map((a) => {
        const pages = `${base}/${encodeURIComponent(a.id)}`;
        return h(
          'tr',
          { 'data-athlete': a.id },
          h(
            'th',
            { scope: 'row' },
            h('a', { href: `${pages}/power`, class: 'athlete' }, a.name),
            a.error ? h('span', { class: 'error row-error' }, ` Could not read: ${a.error}`) : '',
          ),
          ...COLUMNS.slice(1).map(({ key, digits }) => {
            const value = a[key];
            return typeof value === 'number'
              ? h('td', { class: 'num', 'data-key': key }, round(value, digits))
              : h('td', { 'data-key': key }, value ?? '–');
          }),
          h(
            'td',
            { class: 'links' },
            h('a', { href: `${pages}/fitness` }, 'Fitness'),
            ' · ',
            h('a', { href: `${pages}/activities` }, 'Activities'),
            ' · ',
            h(
              'a',
              {
                href: `${pages}/report?${new URLSearchParams({ start: addDays(date, -(BEST_WINDOW_DAYS - 1)), end: date })}`,
              },
              'Report',
            ),
          ),
        );
      }),
    );
  };
  draw();
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': 'team-table', class: 'sortable' },
      h('caption', {}, `Athletes who authorised the team, as of ${date} (select a heading to sort)`),
      h('thead', {}, h('tr', {}, ...headers.map(({ th }) => th), h('th', { scope: 'col' }, 'Pages'))),
      body,
    ),
  );
}

/** Missing values sort last in either direction; names by the locale's rules. */
function compare(a: string | number | null, b: string | number | null, descending: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return descending ? -order : order;
}

/** `fn` over `items`, at most `limit` at a time, results in the order of `items`. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
