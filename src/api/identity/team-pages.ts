import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPeakformError } from '../../domain/errors.ts';
import type { Engine } from '../../engine/engine.ts';
import { type PublicUrl, publicBase } from '../handlers/user-handlers.ts';
import { CookieSigner } from './cookies.ts';
import { accountPage, escapeHtml, messagePage, page, teamsPage } from './html.ts';

/**
 * The Portal (WIRE.md §3.12) and the athlete's teams page: `GET /portal/{token}` spends a
 * one-time link, starts the athlete's account session and leads to their connected apps
 * (`/account/integrations`) or the teams they authorised (`/account/teams`), each with a link
 * back to the app when the session named a return URL. Also the public pages a team's default
 * URLs point at (`/teams/{id}`, its image and privacy statement).
 */
export function registerTeamPages(
  app: FastifyInstance,
  engine: Engine,
  options: { publicUrl?: PublicUrl },
): void {
  const signerFor = (request: FastifyRequest) =>
    new CookieSigner(engine.identity.serverKey, publicBase(request, options.publicUrl).startsWith('https:'));
  const hidden = { schema: { hide: true } };

  app.get<{ Params: { token: string } }>('/portal/:token', hidden, async (request, reply) => {
    const link = await engine.portal.consume(request.params.token);
    if (!link) {
      return html(
        reply,
        400,
        messagePage(
          'Link expired',
          'This link was used already or has expired. Go back to the app and open it again.',
        ),
      );
    }
    const signer = signerFor(request);
    signer.startSession(reply, link.athleteId);
    signer.setReturnUrl(reply, link.athleteId, link.returnUrl);
    return reply.redirect(
      link.destination === 'manage-teams' ? '/account/teams' : '/account/integrations',
      303,
    );
  });

  app.get('/account/integrations', hidden, async (request, reply) => {
    const signer = signerFor(request);
    const userId = signer.sessionUser(request);
    if (!userId) return reply.redirect('/login', 303);
    const account = await engine.identity.accounts.get(userId);
    return html(
      reply,
      200,
      accountPage({
        accountName: account.displayName,
        email: account.email,
        csrf: signer.csrfToken(request, reply),
        apps: await engine.identity.connectedApps(userId),
        backUrl: signer.returnUrl(request, userId),
      }),
    );
  });

  const showTeams = async (request: FastifyRequest, reply: FastifyReply, userId: string, notice?: string) => {
    const signer = signerFor(request);
    const account = await engine.identity.accounts.get(userId);
    return html(
      reply,
      200,
      teamsPage({
        accountName: account.displayName,
        csrf: signer.csrfToken(request, reply),
        teams: engine.teams.authorizedTeams(userId).map(({ team, scopes }) => ({
          id: team.id,
          name: team.name,
          description: team.description,
          scopes,
        })),
        notice,
        backUrl: signer.returnUrl(request, userId),
      }),
    );
  };

  app.get('/account/teams', hidden, async (request, reply) => {
    const userId = signerFor(request).sessionUser(request);
    if (!userId) return reply.redirect('/login', 303);
    return showTeams(request, reply, userId);
  });

  app.post<{ Params: { teamId: string } }>(
    '/account/teams/:teamId/withdraw',
    hidden,
    async (request, reply) => {
      const signer = signerFor(request);
      const userId = signer.sessionUser(request);
      if (!userId) return reply.redirect('/login', 303);
      const csrf = (request.body as Record<string, unknown> | undefined)?.csrf;
      if (!signer.checkCsrf(request, typeof csrf === 'string' ? csrf : undefined)) {
        return html(reply, 403, messagePage('Form expired', 'Reload the teams page and try again.'));
      }
      try {
        await engine.teams.withdraw(userId, request.params.teamId);
        return showTeams(request, reply, userId, 'Access withdrawn.');
      } catch (error) {
        if (!isPeakformError(error)) throw error;
        return showTeams(request, reply, userId, 'That team had no access.');
      }
    },
  );

  // A team's own pages, for teams that registered no URLs (the clients need valid absolute URLs).
  const teamOr404 = (teamId: string) => {
    try {
      return engine.teams.get(teamId);
    } catch {
      return undefined;
    }
  };
  app.get<{ Params: { teamId: string } }>('/teams/:teamId', hidden, async (request, reply) => {
    const team = teamOr404(request.params.teamId);
    if (!team) return html(reply, 404, messagePage('No such team', 'This team does not exist.'));
    return html(
      reply,
      200,
      page(team.name, `<h1>${escapeHtml(team.name)}</h1><p>${escapeHtml(team.description)}</p>`),
    );
  });
  app.get<{ Params: { teamId: string } }>('/teams/:teamId/privacy', hidden, async (request, reply) => {
    const team = teamOr404(request.params.teamId);
    if (!team) return html(reply, 404, messagePage('No such team', 'This team does not exist.'));
    return html(
      reply,
      200,
      messagePage(
        `${team.name}: privacy`,
        'Members of this team see the data of athletes who authorised it, with the scopes each granted, until the athlete withdraws it on their account page.',
      ),
    );
  });
  app.get<{ Params: { teamId: string } }>('/teams/:teamId/image.svg', hidden, async (request, reply) => {
    const team = teamOr404(request.params.teamId);
    if (!team) return reply.code(404).send();
    const initial = escapeHtml(team.name.trim().charAt(0).toUpperCase() || 'T');
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=3600')
      .send(
        `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" rx="16" fill="#0b57d0"/><text x="48" y="62" font-family="system-ui,sans-serif" font-size="44" text-anchor="middle" fill="#fff">${initial}</text></svg>`,
      );
  });
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    )
    .send(body);
}
