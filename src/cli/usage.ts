/**
 * Every command's usage text, in `peakform --help` order. Kept apart from the commands so that
 * `--help` and a mistyped command print without loading any command module (and with it DuckDB,
 * Fastify, the SDK or Chromium's driver); main.ts imports a command's module only to run it.
 */

/** Where remote commands go when nothing names a server. */
export const DEFAULT_SERVER = 'http://localhost:8787';

export const USAGE = {
  ingest: `peakform ingest [--data DIR | --server URL [--token T]] [--athlete ID] [--tag T]... [--json] <files or folders...>
  Ingests activity files (FIT, TCX, GPX, CSV); folders are searched recursively. On a server the
  files go as import jobs of up to 10 files (POST /api/v1/imports) for --athlete, by default the
  signed-in user; the line on stderr shows the jobs' progress (files, samples, rate, ETA) and
  Ctrl-C cancels the running job (committed batches stay). A server without import jobs gets one
  upload per file. --json prints one result per file (JSON lines). Exit 1 when a file could not be
  ingested at all.`,
  serve: `peakform serve [--data DIR] [--port N] [--host H] [--rate-limit PER_MINUTE] [--public-url URL]
  Serves the HTTP API (default 127.0.0.1:8787; docs at /docs; 1200 requests a minute per API key,
  or $PEAKFORM_RATE_LIMIT), OAuth sign-in (/oauth/authorize) and the account pages (/account).
  --public-url (or $PEAKFORM_PUBLIC_URL) is the URL apps reach it at: the OAuth issuer.`,
  token: `peakform token create [--data DIR] --athlete ID [--app CLIENT_ID] [--name NAME] [--scope S]... [--expires-in SECONDS] [--json]
  Creates a personal API key (a signed JWT) for an athlete and prints it once. With --app, an
  application token (its aud is the app) for the app's development and CI, as a sign-in would give.
peakform token list [--data DIR] --athlete ID [--json]
peakform token revoke [--data DIR] --athlete ID TOKEN_ID
  Revokes a key at once. An operator's commands, on a local data dir only; on a server, sign in
  with \`peakform login\`.`,
  user: `peakform user create [--data DIR] --email E --password-stdin [--athlete ID] [--first-name F] [--last-name L] [--json]
  Creates an account that signs in with an email and password (read from standard input, never
  from the command line). --athlete gives an existing athlete (data ingested by the CLI) a login.
  An operator's command: a local data dir only (people sign up on a server's /oauth pages).`,
  team: `peakform team create [--data DIR] NAME --owner ATHLETE [--description D] [--json]
  Creates a team owned by ATHLETE (its members may act for athletes who authorise it).
peakform team add-member [--data DIR] TEAM_ID --user ATHLETE [--role member|owner]
peakform team remove-member [--data DIR] TEAM_ID --user ATHLETE
  Removes a member (never the last owner); their delegated tokens through the team stop at once.
peakform team list [--data DIR] --user ATHLETE [--json]
  The teams ATHLETE owns or belongs to, with the role. An operator's commands, on a local data dir
  only (on a server, teams are managed through /api/v1/teams/ with the members' own tokens).`,
  app: `peakform app create NAME [--data DIR | --server URL [--token T]] [--page SLUG] [--redirect-uri URI]... [--confidential] [--owner ATHLETE] [-d DESCRIPTION] [--webhook-url URL]... [--json]
  Registers an OAuth application and prints its client id (and, when confidential, its first
  client secret, once). Redirect URIs match exactly; http loopback URIs on any port.
  --page SLUG (on a server) gives the app its page at <server>/pages/SLUG/ and that redirect URI,
  so the page signs users in with PKCE. --webhook-url adds a webhook endpoint; --json prints the
  app with its webhook_secret. On a server the app is the signed-in user's; --owner is local only.
peakform app list [--data DIR | --server URL [--token T]] [--owner ATHLETE] [--json]
peakform app link [CLIENT_ID] [--directory SITE_DIR] [--project DIR] [--server URL [--token T]]
  Lists your apps on the server and writes peakform.toml in the current directory (or --project):
  [app] name, client_id and [page] slug, directory, which peakform page deploy reads.
peakform app delete CLIENT_ID [--data DIR | --server URL [--token T]]
  Deletes the app with its secrets, grants and tokens.
peakform app secret add CLIENT_ID [--label LABEL] [--data DIR] [--json]
peakform app secret list CLIENT_ID [--data DIR] [--json]
peakform app secret delete CLIENT_ID SECRET_ID [--data DIR]
  Deleting a secret ends every token issued under it.`,
  page: `peakform page deploy [SLUG] [DIR] [--project DIR] [--server URL [--token T]] [--json]
  Uploads a static site (at most 10 MB and 1,000 files; dot files and folders are left out) as the
  page's new version and prints its URL. SLUG and DIR default to [page] slug and directory of
  peakform.toml (peakform app link writes it); in a linked directory the app gets the page SLUG
  (and its redirect URI) if it has none yet. The previous version is kept:
peakform page rollback [SLUG] [--project DIR] [--server URL [--token T]]
  serves it again.
peakform page show [SLUG] [--project DIR] [--server URL [--token T]] [--json]`,
  webhook: `peakform webhook list --app CLIENT_ID [--data DIR] [--json]
peakform webhook add --app CLIENT_ID URL [--scheme sweatstack|standard] [--data DIR] [--json]
peakform webhook remove --app CLIENT_ID ENDPOINT_ID [--data DIR]
peakform webhook enable --app CLIENT_ID ENDPOINT_ID [--data DIR]
peakform webhook rotate --app CLIENT_ID [--overlap SECONDS] [--data DIR] [--json]
peakform webhook deliveries --app CLIENT_ID [--endpoint ENDPOINT_ID] [--status pending|delivered|failed] [--limit N] [--data DIR] [--json]
peakform webhook replay --app CLIENT_ID --endpoint ENDPOINT_ID (--event EVENT_ID | --start ISO [--end ISO]) [--data DIR] [--json]
peakform webhook events --app CLIENT_ID [--after CURSOR] [--limit N] [--data DIR] [--json]
  Webhook endpoints of an app (https, or http on loopback), signed with the app's webhook secret
  (sweatstack: X-Sweatstack-Signature, WIRE.md §6.2; standard: Standard Webhooks). rotate makes a
  new secret; the old one signs beside it for --overlap seconds (default 86400). deliveries shows
  each event's attempts; replay sends one event or a time range again; events is the app's feed.
  An operator's commands, on a local data dir only (apps manage theirs through
  /api/v1/applications/{id}/webhook-endpoints).`,
  keys: `peakform keys list [--data DIR] [--json]
peakform keys rotate [--data DIR]
  Rotates the JWT signing key: new tokens are signed with a new key; the old one stays in the JWKS
  (and keeps verifying) until every token it signed has expired or been revoked, then retires
  itself at the next start. A running server's OAuth tokens switch keys at its next start.
  An operator's command: a local data dir only.`,
  activities: `peakform activities list [--data DIR | --server URL [--token T]] [--athlete ID] [--sport S]... [--tag T]... [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--limit N] [--offset N] [--json]
  Lists an athlete's activities, newest first. On a server (GET /api/v1/activities/), --athlete
  defaults to the signed-in user; another athlete is read with a delegated token.`,
  analyze: `peakform analyze <file> [--metric power|speed|heart_rate] [--gap POLICY] [--envelope] [--session N] [--format csv|json]
peakform analyze <file> --summary [--gap POLICY] [--ftp W] [--cp W --wprime J] [--lthr BPM] [--session N] [--format csv|json]
  Decodes one activity file (FIT, TCX, GPX or CSV) without storing it; needs no data dir.
  Prints its exact mean-max curve as CSV duration_s,value,start_s: one row per duration 1..N s,
  value in the metric's unit (W, m/s, bpm), start_s the start of the earliest best window in
  seconds from the first record; durations with no valid window (e.g. under split) are left out.
  --envelope   the best for AT LEAST d seconds instead, plus window_s: the longest window that
               attains it (start_s is that window's).
  --summary    NP, xPower, VI, work, average/max power, heart rate and speed; IF, TSS and time in
               power zones with --ftp; W'bal minima and the second they occur (differential and
               Skiba 2012 integral) with --cp and --wprime; time in heart-rate zones with --lthr.
  --gap        zero | split | interp:G, how missing seconds count. Default interp:23 for the curve
               and split (moving time, like device values) for the summary; a --gap given applies
               to both.
  --session N  which activity of a multisport file (default 0).
  --format     csv (default; the summary as field,value rows) or json (the curve as an array of
               {duration_s, value, start_s}, the summary as one object with the sport, start and
               data-quality issues). Data-quality notes go to stderr otherwise.
  Exit 1 when the file cannot be read, 2 for a usage mistake.`,
  thresholds: `peakform thresholds set [--data DIR | --server URL [--token T]] [--athlete ID] --sport S --from YYYY-MM-DD [--ftp W] [--cp W] [--wprime J] [--lthr BPM] [--max-hr BPM] [--rest-hr BPM] [--weight KG]
peakform thresholds list [--data DIR | --server URL [--token T]] [--athlete ID]
  Effective-dated thresholds per sport, one JSON line each. Locally, run \`peakform recompute\` to
  apply them to stored activities; a server (PUT /api/v1/profile/thresholds) re-derives them
  itself. On a server --athlete defaults to the signed-in user.`,
  recompute: `peakform recompute [--data DIR] [--athlete ID] [--json]
  Re-derives samples, curves and metrics of every stored source (of one athlete, or all) from the
  original files: after a threshold change or a kernel fix. Ids stay the same. A local data dir
  only: the API has no such route (a server re-derives by itself after a threshold change).`,
  check: `peakform check [--data DIR] [--json]
  Checks that the catalog and the files agree (every row's files exist, every file has its row,
  no temporaries left). Exits 1 and lists what disagrees. A local data dir only.`,
  backup: `peakform backup --out DIR [--data DIR] [--json]
  Writes a consistent copy of the data dir (catalog, lake, originals, keys, pages) into a new or
  empty folder, also while the server runs: no write commits while it is taken, and files are
  hard-linked where DIR is on the same filesystem (they are never changed in place). The copy is a
  data dir: serve it, or move it into place, to restore.`,
  report: `peakform report [--data DIR | --server URL [--token T]] [--athlete ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD] --out FILE.pdf|FILE.html [--chromium PATH] [--web DIR]
  The coach's report of an athlete: power–duration with the fitted model and its parameters, the
  best-efforts table, fitness (CTL/ATL/TSB, weekly hours and totals) and time in zones, for
  --from..--to (default the 90 days up to today): the web app's report page (/app/#/report)
  rendered in headless Chromium (default /usr/bin/chromium; needs playwright-core). .pdf prints
  it on A4; .html saves the rendered page as one self-contained file (inline styles and SVG
  charts, no script).
  On a data dir (--athlete required): serves it on a loopback port with a 15-minute key of the
  athlete; --web names the web app's build (default dist/web, made by npm run build:web). The
  data dir must be free: with \`peakform serve\` running on it, use --server instead.
  On a server (--server URL with --token, or the stored login): that server's /app/, as the
  signed-in user, or --athlete through a delegated token (managed athletes, or athletes who
  authorised a team of yours).`,
  dailies: `peakform dailies import [--data DIR | --server URL [--token T]] [--athlete ID] [--source manual|garmin_connect|intervals_icu|wahoo] [--json] <file.csv>
  Imports daily measures from CSV (header date,measure,value). Manual values are never replaced by
  an import from another source. Exits 1 when a line could not be read (the rest are stored). On a
  server each value is sent as the athlete's own entry (POST /api/v1/dailies/{measure}), so
  --source is manual there; --athlete defaults to the signed-in user.`,
  demo: `peakform demo [--data DIR] [--port N] [--host H] [--years N]
  Seeds athlete "demo" with the project's sample files and N years (default 2) of synthetic rides
  and runs ending today, with daily body mass, resting HR, HRV and sleep and a lab test every 12
  weeks; serves the API and web app while the activities load (newest first) and prints where to
  look: API, docs, web app, a demo token, a curl line for Arrow and a Python one-liner. Restarts
  top the history up to today. (npm start)`,
  mcp: `peakform mcp
    An MCP server on stdin/stdout with read tools (activities, best-effort curves, metabolic
    profile, training load) over one token: PEAKFORM_URL=http://localhost:8787 PEAKFORM_TOKEN=…,
    else the server and sign-in of \`peakform login\` (refreshed while it runs).`,
  login: `peakform login [--server URL] [--no-browser] [--json]
  Signs in to a Peakform server in the browser (OAuth 2.0 with PKCE, redirected to a port of
  127.0.0.1, as the SDKs' public client) and stores the tokens with mode 600 in
  ~/.config/peakform/credentials.json ($PEAKFORM_CONFIG_DIR or $XDG_CONFIG_HOME move it). The data
  commands then run on that server. The server is --server, else $PEAKFORM_SERVER, else
  ${DEFAULT_SERVER}. --no-browser only prints the URL to open (on this or another machine).`,
  logout: `peakform logout
  Revokes the stored sign-in at its server (the refresh token, and with it every token of that
  sign-in) and deletes the credentials file. When the server cannot be told, the file is deleted
  anyway and a warning says so.`,
  whoami: `peakform whoami [--server URL] [--token T] [--json]
  The server and the user the CLI acts as there (GET /api/v1/oauth/userinfo): the stored login's,
  or --token's. Exit 1 when not signed in or the server refuses the token.`,
} as const;

export type CommandName = keyof typeof USAGE;
