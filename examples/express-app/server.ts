// An Express app with "Sign in with Peakform": the signed-in athlete's recent activities, a coach's
// view of one of their athletes, and a webhook receiver. Run it with
//   PEAKFORM_URL=… CLIENT_ID=… CLIENT_SECRET=… SESSION_SECRET=… WEBHOOK_SECRET=… npx tsx server.ts
// (see README.md). test/sdk/framework-helpers.test.ts runs this file in-process.
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { peakformAuth, peakformWebhook, requireUser, type VerifiedWebhookEvent } from '@peakform/sdk/express';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';

export interface ExampleConfig {
  peakformUrl: string;
  clientId: string;
  clientSecret?: string | undefined;
  sessionSecret: string;
  webhookSecret?: string | undefined;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`set ${name} (see README.md)`);
    return value;
  };
  return {
    peakformUrl: required('PEAKFORM_URL'),
    clientId: required('CLIENT_ID'),
    clientSecret: env.CLIENT_SECRET || undefined,
    sessionSecret: required('SESSION_SECRET'),
    webhookSecret: env.WEBHOOK_SECRET || undefined,
  };
}

/** The app, not listening yet; `events` holds the webhook events received, newest first. */
export function buildExample(config: ExampleConfig): { app: Express; events: VerifiedWebhookEvent[] } {
  const app = express();
  const events: VerifiedWebhookEvent[] = [];

  // The webhook route reads its own raw body: mount it before any body parser.
  if (config.webhookSecret) {
    app.post(
      '/webhooks/peakform',
      peakformWebhook({
        secret: config.webhookSecret,
        // Answer fast (Peakform waits 2 s); do slow work from a queue. Retries repeat `event.id`.
        onEvent: (event) => {
          if (!events.some((seen) => seen.id !== null && seen.id === event.id)) events.unshift(event);
        },
      }),
    );
  }

  app.use(
    peakformAuth({
      baseUrl: config.peakformUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      sessionSecret: config.sessionSecret,
      afterSignOut: '/signed-out',
    }),
  );

  app.get('/', requireUser, async (req, res) => {
    const activities = await req.peakform!.listActivities({ limit: 10 });
    const rows = activities.map(
      (a) =>
        `<li>${escapeHtml(a.start_local.slice(0, 16).replace('T', ' '))} · ${escapeHtml(a.sport)} · ${Math.round(a.elapsed_s / 60)} min</li>`,
    );
    const hooks = events
      .slice(0, 10)
      .map((e) => `<li>${escapeHtml(e.event_type)} ${escapeHtml(e.resource_id ?? '')}</li>`);
    res.type('html').send(
      page(
        'Your recent activities',
        `<p>Signed in as <code>${escapeHtml(req.peakformUser!.id)}</code>.</p>
<ul id="activities">${rows.join('') || '<li>No activities yet.</li>'}</ul>
<h2>Webhook events</h2><ul id="events">${hooks.join('') || '<li>None yet.</li>'}</ul>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
      ),
    );
  });

  // A coach reads an athlete they manage (or who authorised a team of theirs) with a delegated token.
  app.get('/athletes/:athleteId', requireUser, async (req: Request<{ athleteId: string }>, res) => {
    const athlete = await req.peakformFor!(req.params.athleteId);
    const activities = await athlete.listActivities({ limit: 10 });
    const rows = activities.map(
      (a) => `<li>${escapeHtml(a.start_local.slice(0, 10))} · ${escapeHtml(a.sport)}</li>`,
    );
    res
      .type('html')
      .send(
        page(
          `Activities of ${req.params.athleteId}`,
          `<ul id="activities">${rows.join('') || '<li>No activities yet.</li>'}</ul>`,
        ),
      );
  });

  // Signing out of this app leaves the Peakform session alone: "Sign in" comes straight back.
  app.get('/signed-out', (_req, res) => {
    res.type('html').send(page('Signed out', '<p><a href="/login">Sign in with Peakform</a></p>'));
  });

  // Errors (Peakform unreachable, a refused delegation) as a short page; details only in the log.
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    console.error(error);
    const status = (error as { status?: number }).status;
    res
      .status(status === 403 || status === 404 ? status : 500)
      .type('html')
      .send(page('Something went wrong', ''));
  });
  return { app, events };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1>${body}</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { app } = buildExample(configFromEnv());
  const server: Server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : '?';
    console.log(
      `Open http://127.0.0.1:${port}/ (register http://127.0.0.1:${port}/callback as the app's redirect URI)`,
    );
  });
}
