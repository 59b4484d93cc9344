// A Fastify app with "Sign in with Peakform": the signed-in athlete's recent activities, a coach's
// view of one of their athletes, and a webhook receiver. Run it with
//   PEAKFORM_URL=… CLIENT_ID=… CLIENT_SECRET=… SESSION_SECRET=… WEBHOOK_SECRET=… npx tsx server.ts
// (see README.md). test/sdk/framework-helpers.test.ts runs this file in-process.
import { pathToFileURL } from 'node:url';
import { peakformAuth, peakformWebhook, requireUser, type VerifiedWebhookEvent } from '@peakform/sdk/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

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
export async function buildExample(
  config: ExampleConfig,
): Promise<{ app: FastifyInstance; events: VerifiedWebhookEvent[] }> {
  const app = Fastify();
  const events: VerifiedWebhookEvent[] = [];

  await app.register(peakformAuth, {
    baseUrl: config.peakformUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    sessionSecret: config.sessionSecret,
    afterSignOut: '/signed-out',
  });

  app.get('/', { preHandler: requireUser }, async (request, reply) => {
    const activities = await request.peakform!.listActivities({ limit: 10 });
    const rows = activities.map(
      (a) =>
        `<li>${escapeHtml(a.start_local.slice(0, 16).replace('T', ' '))} · ${escapeHtml(a.sport)} · ${Math.round(a.elapsed_s / 60)} min</li>`,
    );
    const hooks = events
      .slice(0, 10)
      .map((e) => `<li>${escapeHtml(e.event_type)} ${escapeHtml(e.resource_id ?? '')}</li>`);
    return reply.type('text/html; charset=utf-8').send(
      page(
        'Your recent activities',
        `<p>Signed in as <code>${escapeHtml(request.peakformUser!.id)}</code>.</p>
<ul id="activities">${rows.join('') || '<li>No activities yet.</li>'}</ul>
<h2>Webhook events</h2><ul id="events">${hooks.join('') || '<li>None yet.</li>'}</ul>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
      ),
    );
  });

  // A coach reads an athlete they manage (or who authorised a team of theirs) with a delegated token.
  app.get<{ Params: { athleteId: string } }>(
    '/athletes/:athleteId',
    { preHandler: requireUser },
    async (request, reply) => {
      const athlete = await request.peakformFor(request.params.athleteId);
      const activities = await athlete.listActivities({ limit: 10 });
      const rows = activities.map(
        (a) => `<li>${escapeHtml(a.start_local.slice(0, 10))} · ${escapeHtml(a.sport)}</li>`,
      );
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            `Activities of ${request.params.athleteId}`,
            `<ul id="activities">${rows.join('') || '<li>No activities yet.</li>'}</ul>`,
          ),
        );
    },
  );

  // Signing out of this app leaves the Peakform session alone: "Sign in" comes straight back.
  app.get('/signed-out', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(page('Signed out', '<p><a href="/login">Sign in with Peakform</a></p>')),
  );

  // Errors (Peakform unreachable, a refused delegation) as a short page; details only in the log.
  app.setErrorHandler((error, request, reply) => {
    request.log.error(error);
    const status = (error as { status?: number }).status;
    return reply
      .code(status === 403 || status === 404 ? status : 500)
      .type('text/html; charset=utf-8')
      .send(page('Something went wrong', ''));
  });

  if (config.webhookSecret) {
    await app.register(peakformWebhook, {
      path: '/webhooks/peakform',
      secret: config.webhookSecret,
      // Answer fast (Peakform waits 2 s); do slow work from a queue. Retries repeat `event.id`.
      onEvent: (event) => {
        if (!events.some((seen) => seen.id !== null && seen.id === event.id)) events.unshift(event);
      },
    });
  }
  return { app, events };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1>${body}</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { app } = await buildExample(configFromEnv());
  const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
  console.log(`Open ${address}/ (register ${address}/callback as the app's redirect URI)`);
}
