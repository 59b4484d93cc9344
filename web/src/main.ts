import { acting, currentToken, knownNames, prepareClient, setActing, setToken } from './api.ts';
import { h } from './dom.ts';
import { activitiesPage, activityPage } from './pages/activity.ts';
import { fitnessPage } from './pages/fitness.ts';
import { powerPage } from './pages/power.ts';
import { reportPage } from './pages/report.ts';
import { teamPage, teamsPage } from './pages/team.ts';
import { finishOAuth, signInPage } from './sign-in.ts';

/**
 * The Peakform web app: hash routes (`#/power`, `#/fitness`, `#/activities`, `#/activity/<id>`,
 * `#/report`, `#/teams`, `#/team/<id>`) rendered into <main>, each page a client of the public API
 * through the SDK. `#/as/<team>/<user>/<page>` opens a page on the data of an athlete who
 * authorised the coach's team; the app keeps viewing that athlete until the coach goes back.
 */
type Page = (main: HTMLElement, params: URLSearchParams, match: RegExpMatchArray) => Promise<void>;

const ROUTES: [RegExp, Page, string][] = [
  [/^\/power$/, powerPage, 'Power–duration'],
  [/^\/fitness$/, fitnessPage, 'Fitness'],
  [/^\/activities$/, activitiesPage, 'Activities'],
  [/^\/activity\/([\w-]+)$/, activityPage, 'Activity'],
  [/^\/report$/, reportPage, 'Report'],
  [/^\/teams$/, teamsPage, 'Teams'],
  [/^\/team\/([^/]+)$/, teamPage, 'Team'],
];
const NAV: [string, string][] = [
  ['#/power', 'Power–duration'],
  ['#/fitness', 'Fitness'],
  ['#/activities', 'Activities'],
  ['#/report', 'Report'],
  ['#/teams', 'Teams'],
];
/** `#/as/<team>/<user>/<page>`: the page, on an athlete of the coach's team. */
const ACTING_PREFIX = /^\/as\/([^/]+)\/([^/]+)(\/.*)?$/;

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let renderCount = 0;

function renderNav(path: string): void {
  const signedIn = currentToken() !== null;
  nav.replaceChildren(
    ...(signedIn
      ? NAV.map(([href, label]) =>
          h('a', { href, 'aria-current': path.startsWith(href.slice(1)) ? 'page' : undefined }, label),
        )
      : []),
    signedIn
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              setToken(null);
              void render();
            },
          },
          'Sign out',
        )
      : '',
  );
}

async function render(): Promise<void> {
  const ticket = ++renderCount;
  const hash = location.hash.replace(/^#/, '') || '/power';
  let [path = '/power', search = ''] = hash.split('?');
  const as = path.match(ACTING_PREFIX);
  if (as) {
    setActing({ teamId: decodeURIComponent(as[1]!), userId: decodeURIComponent(as[2]!) });
    path = as[3] ?? '/power';
  } else if (/^\/teams?(\/|$)/.test(path)) setActing(null); // the coach's own view again
  renderNav(path);
  document.body.dataset.state = 'loading';
  if (currentToken() === null) {
    document.title = 'Sign in · Peakform';
    signInPage(main, () => void render());
    document.body.dataset.state = 'ready';
    return;
  }
  const route = ROUTES.map(([pattern, page, title]) => [path.match(pattern), page, title] as const).find(
    ([match]) => match,
  );
  if (!route) {
    main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/power' }, 'Power–duration')));
    document.body.dataset.state = 'ready';
    return;
  }
  const [match, page, title] = route;
  document.title = `${title} · Peakform`;
  const target = h('div', { class: 'page' });
  main.replaceChildren(h('p', { role: 'status' }, 'Loading…'));
  try {
    await prepareClient();
    await page(target, new URLSearchParams(search), match!);
  } catch (error) {
    target.replaceChildren(
      h('h1', {}, title),
      h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)),
    );
  }
  if (ticket !== renderCount) return;
  main.replaceChildren(actingBanner(), target);
  main.querySelector('h1')?.setAttribute('tabindex', '-1');
  if (renderCount > 1) (main.querySelector('h1') as HTMLElement | null)?.focus();
  document.body.dataset.state = 'ready';
  // When the page became usable, in ms since navigation started (read by bench/web-app.ts).
  document.body.dataset.readyMs = String(Math.round(performance.now()));
}

/** While a coach views an athlete of their team: whose data this is, and the way back. */
function actingBanner(): HTMLElement | string {
  const target = acting();
  if (!target) return '';
  const name = knownNames()[target.userId] ?? target.userId;
  return h(
    'p',
    { class: 'acting', role: 'note', 'data-testid': 'acting' },
    'Viewing ',
    h('strong', {}, name),
    ' for your team. ',
    h('a', { href: `#/team/${encodeURIComponent(target.teamId)}` }, 'Back to the team'),
    ' · ',
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: () => {
          setActing(null);
          if (location.hash === '#/power') void render();
          else location.hash = '#/power';
        },
      },
      'My own data',
    ),
  );
}

async function start(): Promise<void> {
  // When the bundle started running, in ms since navigation started (read by bench/web-app.ts).
  document.body.dataset.startMs = String(Math.round(performance.now()));
  if (location.pathname.replace(/\/$/, '') === '/app/callback') {
    try {
      const back = await finishOAuth();
      history.replaceState(null, '', `/app/${back}`);
    } catch (error) {
      history.replaceState(null, '', '/app/');
      main.replaceChildren(h('p', { class: 'error', role: 'alert' }, String((error as Error).message)));
      return;
    }
  }
  window.addEventListener('hashchange', () => void render());
  await render();
}

void start();
