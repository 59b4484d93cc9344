import { createHmac, randomBytes } from 'node:crypto';

/** A new webhook secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * `X-Sweatstack-Signature` (WIRE.md §6.2): `t=<unix s>,v1=<hex HMAC-SHA256>` over `"<t>." + body`,
 * keyed with the secret's UTF-8 bytes as stored (prefix included). With several secrets (during a
 * rotation's overlap) one `v1` per secret, the current one last: SweatStack's own verifier keeps
 * only the last `v1`, so it checks the current secret; verifiers that accept any `v1` (the
 * Stripe style) accept either secret until the overlap ends.
 */
export function sweatstackSignature(secrets: readonly string[], timestampS: number, body: string): string {
  const parts = [`t=${timestampS}`];
  for (const secret of secrets) {
    parts.push(
      `v1=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestampS}.${body}`).digest('hex')}`,
    );
  }
  return parts.join(',');
}

/**
 * Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `"<id>.<t>." + body`, keyed with the base64-decoded part of `whsec_…`; one entry per secret,
 * separated by spaces (receivers accept any).
 */
export function standardSignature(
  secrets: readonly string[],
  messageId: string,
  timestampS: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampS}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
