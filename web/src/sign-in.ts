import { setToken } from './api.ts';
import { h } from './dom.ts';

/**
 * Sign-in: the platform's own OAuth (authorization code with PKCE, as the built-in public client
 * `WEB_APP_CLIENT_ID` whose redirect URI is `<origin>/app/callback`), or a personal API key pasted in.
 */
export const WEB_APP_CLIENT_ID = 'a7e5b0c2d9f14e36';
const PKCE_KEY = 'peakform.pkce';
const SCOPE = 'openid data:read profile';

const redirectUri = () => `${location.origin}/app/callback`;

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function startOAuth(): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, back: location.hash || '#/power' }));
  const url = new URL('/oauth/authorize', location.origin);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: WEB_APP_CLIENT_ID,
    redirect_uri: redirectUri(),
    scope: SCOPE,
    code_challenge: base64Url(digest),
    code_challenge_method: 'S256',
    state,
  }).toString();
  location.assign(url.toString());
}

/** On /app/callback: exchanges the code for a token, then returns to the page the athlete left. */
export async function finishOAuth(): Promise<string> {
  const query = new URLSearchParams(location.search);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    back: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (query.get('error'))
    throw new Error(`Sign-in was not completed: ${query.get('error_description') ?? query.get('error')}`);
  if (!saved || query.get('state') !== saved.state)
    throw new Error('Sign-in answered for another request; start again.');
  const response = await fetch('/api/v1/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: WEB_APP_CLIENT_ID,
      code_verifier: saved.verifier,
    }),
  });
  const body = (await response.json()) as {
    access_token?: string;
    error_description?: string;
    detail?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new Error(`The token exchange failed: ${body.error_description ?? body.detail ?? response.status}`);
  }
  setToken(body.access_token);
  return saved.back;
}

export function signInPage(main: HTMLElement, onSignedIn: () => void): void {
  const keyInput = h('input', {
    id: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'api-key-help',
  });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const value = keyInput.value.trim();
        if (!value) return;
        setToken(value);
        onSignedIn();
      },
    },
    h('h2', {}, 'Use a personal API key'),
    h('label', { for: 'api-key' }, 'Personal API key'),
    keyInput,
    h(
      'p',
      { id: 'api-key-help', class: 'help' },
      'For local use: create one with ',
      h('code', {}, 'peakform token create --athlete <id>'),
      '. It is kept in this tab only.',
    ),
    h('button', { type: 'submit' }, 'Open my data'),
  );
  main.replaceChildren(
    h('h1', {}, 'Sign in'),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Sign in with your Peakform account'),
      h('p', {}, 'You will be asked to allow the web app to read your data and profile.'),
      h('button', { type: 'button', onclick: () => void startOAuth() }, 'Sign in with Peakform'),
    ),
    form,
  );
}
