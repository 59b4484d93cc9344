/** Server-rendered pages of sign-up, sign-in, consent and the account area: plain, accessible HTML. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #8a929c;border-radius:4px}
button{margin-top:1.2rem;padding:.6rem 1.2rem;font:inherit;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57d0}.error{color:#a50e0e;background:#fce8e6;padding:.6rem;border-radius:4px}
ul.scopes li{margin:.3rem 0}table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e3e6ea}
:focus-visible{outline:3px solid #f29900;outline-offset:2px}`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Peakform</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function errorBlock(error: string | undefined): string {
  return error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
}

export interface FormPage {
  action: string;
  csrf: string;
  error?: string;
  email?: string;
  /** Where the other form (sign-up ↔ sign-in) lives. */
  switchHref: string;
  /** Who asks, on an OAuth sign-in. */
  clientName?: string;
}

export function loginPage(form: FormPage): string {
  const who = form.clientName ? `<p>to continue to <strong>${escapeHtml(form.clientName)}</strong></p>` : '';
  return page(
    'Sign in',
    `<h1>Sign in to Peakform</h1>${who}${errorBlock(form.error)}
<form method="post" action="${escapeHtml(form.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(form.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p>No account yet? <a href="${escapeHtml(form.switchHref)}">Create one</a>.</p>`,
  );
}

export function signupPage(form: FormPage): string {
  const who = form.clientName ? `<p>to continue to <strong>${escapeHtml(form.clientName)}</strong></p>` : '';
  return page(
    'Create an account',
    `<h1>Create a Peakform account</h1>${who}${errorBlock(form.error)}
<form method="post" action="${escapeHtml(form.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">
<label for="first_name">First name</label><input id="first_name" name="first_name" type="text" autocomplete="given-name">
<label for="last_name">Last name</label><input id="last_name" name="last_name" type="text" autocomplete="family-name">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(form.email ?? '')}">
<label for="password">Password (at least 8 characters)</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
<button type="submit">Create account</button></form>
<p>Have an account? <a href="${escapeHtml(form.switchHref)}">Sign in</a>.</p>`,
  );
}

/** What each scope lets an app do, in the athlete's words. */
export const SCOPE_MEANINGS: Record<string, string> = {
  'data:read': 'Read your activities, samples, curves, dailies and tests',
  'data:write': 'Add, change and delete your activities and other data',
  profile: 'See your name and account details',
  openid: 'Confirm who you are',
  offline_access: 'Keep access while you are away, until you revoke it',
};

export function consentPage(options: {
  action: string;
  csrf: string;
  clientName: string;
  scopes: string[];
  accountName: string;
}): string {
  const items = options.scopes.map(
    (scope) => `<li>${escapeHtml(SCOPE_MEANINGS[scope] ?? scope)} <small>(${escapeHtml(scope)})</small></li>`,
  );
  return page(
    'Allow access',
    `<h1>Allow ${escapeHtml(options.clientName)} access?</h1>
<p>Signed in as <strong>${escapeHtml(options.accountName)}</strong>. <strong>${escapeHtml(options.clientName)}</strong> asks to:</p>
<ul class="scopes">${items.join('')}</ul>
<p>You can revoke its access at any time on your <a href="/account">account page</a>.</p>
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button></form>`,
  );
}

export function accountPage(options: {
  accountName: string;
  email: string | null;
  csrf: string;
  apps: { clientId: string; name: string; scopes: string[] }[];
  notice?: string;
  /** A Portal session's return URL: shown as a "Back to the app" link. */
  backUrl?: string;
}): string {
  const rows = options.apps.map(
    (app) => `<tr><td>${escapeHtml(app.name)}<br><small>${escapeHtml(app.clientId)}</small></td>
<td>${app.scopes.map((s) => escapeHtml(s)).join(', ')}</td>
<td><form method="post" action="/account/apps/${encodeURIComponent(app.clientId)}/revoke">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<button type="submit" class="secondary" aria-label="Revoke access of ${escapeHtml(app.name)}">Revoke</button></form></td></tr>`,
  );
  const table =
    rows.length === 0
      ? '<p>No app has access to your data.</p>'
      : `<table><caption class="visually-hidden">Apps with access</caption><thead><tr><th scope="col">App</th><th scope="col">Access</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return page(
    'Your account',
    `${backLink(options.backUrl)}<h1>${escapeHtml(options.accountName)}</h1>${options.email ? `<p>${escapeHtml(options.email)}</p>` : ''}
${options.notice ? `<p role="status">${escapeHtml(options.notice)}</p>` : ''}
<h2>Connected apps</h2>${table}
<p><a href="/account/teams">Teams with access</a></p>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<button type="submit" class="secondary">Sign out</button></form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

/** The "Back to the app" link of a Portal session (its URL was checked against the app's redirect URIs). */
export function backLink(url: string | undefined): string {
  if (!url || /^\s*(javascript|data|vbscript):/i.test(url)) return '';
  return `<p><a href="${escapeHtml(url)}">← Back to the app</a></p>`;
}

/** The teams an athlete authorised, each with a withdraw button. */
export function teamsPage(options: {
  accountName: string;
  csrf: string;
  teams: { id: string; name: string; description: string; scopes: string[] }[];
  notice?: string;
  backUrl?: string;
}): string {
  const rows = options.teams.map(
    (
      team,
    ) => `<tr><td>${escapeHtml(team.name)}${team.description ? `<br><small>${escapeHtml(team.description)}</small>` : ''}</td>
<td>${team.scopes.map((s) => escapeHtml(s)).join(', ')}</td>
<td><form method="post" action="/account/teams/${encodeURIComponent(team.id)}/withdraw">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<button type="submit" class="secondary" aria-label="Withdraw access of ${escapeHtml(team.name)}">Withdraw</button></form></td></tr>`,
  );
  const table =
    rows.length === 0
      ? '<p>No team has access to your data.</p>'
      : `<table><thead><tr><th scope="col">Team</th><th scope="col">Access</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return page(
    'Teams',
    `${backLink(options.backUrl)}<h1>${escapeHtml(options.accountName)}</h1>
${options.notice ? `<p role="status">${escapeHtml(options.notice)}</p>` : ''}
<h2>Teams with access</h2>
<p>Members of these teams can read (or change, as granted) your data until you withdraw it.</p>${table}
<p><a href="/account">Connected apps</a></p>`,
  );
}
