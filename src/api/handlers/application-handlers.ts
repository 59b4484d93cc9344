import type { Application, Engine } from '../../engine/engine.ts';
import type { Handlers } from '../handler-types.ts';
import { assertOwnerToken } from './owner-token.ts';
import { wirePage } from './pages-handlers.ts';

type ApplicationOperation =
  | 'getUserInfo'
  | 'listApplications'
  | 'createApplication'
  | 'getApplication'
  | 'updateApplication'
  | 'deleteApplication'
  | 'listApplicationSecrets'
  | 'createApplicationSecret'
  | 'deleteApplicationSecret';

export function createApplicationHandlers(engine: Engine): Pick<Handlers, ApplicationOperation> {
  const { accounts, applications } = engine.identity;
  return {
    getUserInfo: async ({ athleteId }) => {
      const account = await accounts.get(athleteId);
      const status = await engine.profile.status(athleteId);
      return {
        sub: account.id,
        name: account.displayName,
        registered_at: account.registeredAt.toISOString(),
        given_name: account.firstName,
        family_name: account.lastName,
        email: account.email,
        issue: status.issue,
      };
    },
    listApplications: async ({ athleteId, request }) => {
      assertOwnerToken(request.token);
      return (await applications.list(athleteId)).map((app) => ({
        id: app.id,
        name: app.name,
        page_slug: engine.pages.slugOf(app.id) ?? null,
      }));
    },
    createApplication: async ({ athleteId, body, request }) => {
      assertOwnerToken(request.token);
      // A slug that cannot be had is refused before the app is made, not after.
      if (body.page) engine.pages.assertAvailable(body.page);
      const { application, secret } = await applications.create(athleteId, {
        name: body.name,
        description: body.description,
        url: body.url,
        image: body.image,
        privacyStatement: body.privacy_statement,
        redirectUris: body.redirect_uris,
        capabilities: body.capabilities,
        confidential: body.generate_secret ?? false,
      });
      if (body.webhook_endpoints !== undefined)
        await engine.webhooks.setEndpointUrls(athleteId, application.id, body.webhook_endpoints);
      // `page`: the app gets its page and the page's redirect URI (WIRE.md §2.9).
      const issuer = engine.identity.issuer;
      const page =
        body.page && issuer
          ? wirePage(await engine.pages.ensure(athleteId, application.id, body.page, issuer), issuer)
          : undefined;
      return {
        ...wireApplication(page ? await applications.get(athleteId, application.id) : application),
        ...(page ? { page } : {}),
        ...(await webhookFields(engine, athleteId, application.id, true)),
        ...(secret ? { client_secret: secret.secret } : {}),
      };
    },
    getApplication: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      const application = await applications.get(athleteId, params.id);
      return {
        ...wireApplication(application),
        ...(await webhookFields(engine, athleteId, application.id, false)),
      };
    },
    updateApplication: async ({ athleteId, params, body, request }) => {
      assertOwnerToken(request.token);
      const current = await applications.get(athleteId, params.id);
      if (body.webhook_endpoints !== undefined)
        await engine.webhooks.setEndpointUrls(athleteId, params.id, body.webhook_endpoints);
      const updated = wireApplication(
        await applications.update(athleteId, params.id, {
          name: body.name ?? current.name,
          description: body.description,
          url: body.url,
          image: body.image,
          privacyStatement: body.privacy_statement,
          redirectUris: body.redirect_uris,
          capabilities: body.capabilities,
        }),
      );
      return { ...updated, ...(await webhookFields(engine, athleteId, params.id, false)) };
    },
    deleteApplication: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      await engine.identity.deleteApplication(athleteId, params.id);
      await engine.webhooks.forgetApplication(params.id);
      await engine.pages.forgetApplication(params.id);
      return undefined;
    },
    listApplicationSecrets: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      return (await applications.listSecrets(athleteId, params.id)).map((secret) => ({
        id: secret.id,
        label: secret.label,
        created_at: secret.createdAt.toISOString(),
        last_used_at: secret.lastUsedAt?.toISOString() ?? null,
      }));
    },
    createApplicationSecret: async ({ athleteId, params, body, request }) => {
      assertOwnerToken(request.token);
      const secret = await applications.addSecret(athleteId, params.id, body.label);
      return {
        id: secret.id,
        label: secret.label,
        created_at: secret.createdAt.toISOString(),
        last_used_at: null,
        secret: secret.secret,
      };
    },
    deleteApplicationSecret: async ({ athleteId, params, request }) => {
      assertOwnerToken(request.token);
      await applications.deleteSecret(athleteId, params.id, params.secret_id);
      return undefined;
    },
  };
}

/** `webhook_endpoints` and `webhook_secret` (WIRE.md §2.9): the secret is made with the app, or with its first endpoint. */
async function webhookFields(engine: Engine, owner: string, applicationId: string, makeSecret: boolean) {
  const endpoints = await engine.webhooks.listEndpoints(owner, applicationId);
  const secret = makeSecret
    ? await engine.webhooks.secret(owner, applicationId)
    : await engine.webhooks.currentSecret(owner, applicationId);
  return { webhook_endpoints: endpoints.map((e) => e.url), ...(secret ? { webhook_secret: secret } : {}) };
}

function wireApplication(app: Application) {
  return {
    id: app.id,
    name: app.name,
    is_private: app.isPrivate,
    is_clientside_app: !app.isConfidential,
    description: app.description,
    image: app.image,
    url: app.url,
    redirect_uris: app.redirectUris,
    privacy_statement: app.privacyStatement,
    capabilities: app.capabilities,
    published: false,
  };
}
