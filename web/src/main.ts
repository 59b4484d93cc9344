import { currentToken, setToken } from './api.ts';
import { h } from './dom.ts';
import { activitiesPage, activityPage } from './pages/activity.ts';
import { fitnessPage } from './pages/fitness.ts';
import { powerPage } from './pages/power.ts';
import { finishOAuth, signInPage } from './sign-in.ts';

/**
 * The Peakform web app: hash routes (`#/power`, `#/fitness`, `#/activities`, `#/activity/<id>`)
 * rendered into <main>, each page a client of the public API through the SDK.
 */
type Page = (main: HTMLElement, params: URLSearchParams, match: RegExpMatchArray) => Promise<void>;

const ROUTES: [RegExp, Page, string][] = [
  [/^\/power$/, powerPage, 'Power–duration'],
  [/^\/fitness$/, fitnessPage, 'Fitness'],
  [/^\/activities$/, activitiesPage, 'Activities'],
  [/^\/activity\/([\w-]+)$/, activityPage, 'Activity'],
];
const NAV: [string, string][] = [
  ['#/power', 'Power–duration'],
  ['#/fitness', 'Fitness'],
  ['#/activities', 'Activities'],
];

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
  const [path = '/power', search = ''] = hash.split('?');
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
    await page(target, new URLSearchParams(search), match!);
  } catch (error) {
    target.replaceChildren(
      h('h1', {}, title),
      h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)),
    );
  }
  if (ticket !== renderCount) return;
  main.replaceChildren(target);
  main.querySelector('h1')?.setAttribute('tabindex', '-1');
  if (renderCount > 1) (main.querySelector('h1') as HTMLElement | null)?.focus();
  document.body.dataset.state = 'ready';
  // When the page became usable, in ms since navigation started (read by bench/web-app.ts).
  document.body.dataset.readyMs = String(Math.round(performance.now()));
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
