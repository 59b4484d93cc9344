import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../../src/sdk/webhooks.ts';
import {
  generateWebhookSecret,
  standardSignature,
  sweatstackSignature,
} from '../../src/services/webhooks/signatures.ts';

/**
 * `verifyWebhook` against the signers of the server (src/services/webhooks/signatures.ts) and the
 * official Standard Webhooks library, on the raw bytes, at the edges of the skew window.
 */

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER = generateWebhookSecret();
const T = 1_735_000_000;
const NOW_MS = T * 1000;
const BODY =
  '{"user_id":"u1","event_type":"activity_created","resource_id":"act_1","timestamp":"2024-12-24T00:26:40.000+00:00"}';

function failure(fn: () => unknown): { code: string; status: number } | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    return { code: error.code, status: error.status };
  }
}

const sweatstack = (secrets: string[], t = T, body = BODY) => ({
  'x-sweatstack-signature': sweatstackSignature(secrets, t, body),
  'x-peakform-event-id': 'evt_1',
});
const standard = (secrets: string[], t = T, body = BODY, id = 'evt_2') => ({
  'webhook-id': id,
  'webhook-timestamp': String(t),
  'webhook-signature': standardSignature(secrets, id, t, body),
});

describe('verifyWebhook()', () => {
  it('returns the event of a delivery signed as Peakform signs it, in either scheme', () => {
    expect(verifyWebhook(sweatstack([SECRET]), BODY, SECRET, { now: NOW_MS })).toEqual({
      user_id: 'u1',
      event_type: 'activity_created',
      resource_id: 'act_1',
      timestamp: '2024-12-24T00:26:40.000+00:00',
      id: 'evt_1',
      scheme: 'sweatstack',
      signedAtS: T,
    });
    expect(verifyWebhook(standard([SECRET]), Buffer.from(BODY), SECRET, { now: NOW_MS })).toMatchObject({
      id: 'evt_2',
      scheme: 'standard',
      user_id: 'u1',
    });
  });

  it('accepts what the official Standard Webhooks library signs, and the library accepts signWebhook()', () => {
    const library = new Webhook(SECRET);
    const signature = library.sign('msg_1', new Date(NOW_MS), BODY);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(T), 'webhook-signature': signature };
    expect(verifyWebhook(headers, BODY, SECRET, { now: NOW_MS }).id).toBe('msg_1');
    const ours = signWebhook(BODY, SECRET, { scheme: 'standard', id: 'msg_2' });
    expect(library.verify(BODY, ours)).toEqual(JSON.parse(BODY));
    const theirs = signWebhook(BODY, SECRET, { timestampS: T });
    expect(theirs['x-sweatstack-signature']).toBe(sweatstackSignature([SECRET], T, BODY));
  });

  it('reads headers from a fetch Headers, a Node header record, or any letter case', () => {
    expect(verifyWebhook(new Headers(standard([SECRET])), BODY, SECRET, { now: NOW_MS }).scheme).toBe(
      'standard',
    );
    const upper = { 'X-Sweatstack-Signature': sweatstackSignature([SECRET], T, BODY) };
    expect(verifyWebhook(upper, BODY, SECRET, { now: NOW_MS }).scheme).toBe('sweatstack');
  });

  it('accepts any of several signatures and any of several secrets (a rotation’s overlap)', () => {
    expect(verifyWebhook(sweatstack([OTHER, SECRET]), BODY, SECRET, { now: NOW_MS }).id).toBe('evt_1');
    expect(verifyWebhook(sweatstack([SECRET, OTHER]), BODY, SECRET, { now: NOW_MS }).id).toBe('evt_1');
    expect(verifyWebhook(standard([OTHER, SECRET]), BODY, SECRET, { now: NOW_MS }).id).toBe('evt_2');
    expect(verifyWebhook(standard([OTHER]), BODY, [SECRET, OTHER], { now: NOW_MS }).id).toBe('evt_2');
    // Standard Webhooks entries of other versions are skipped, not fatal.
    const mixed = {
      ...standard([SECRET]),
      'webhook-signature': `v1a,xyz ${standardSignature([SECRET], 'evt_2', T, BODY)}`,
    };
    expect(verifyWebhook(mixed, BODY, SECRET, { now: NOW_MS }).id).toBe('evt_2');
  });

  it('accepts 300 s of skew either way and refuses 301 s (401)', () => {
    for (const make of [sweatstack, standard]) {
      for (const skew of [-300, 0, 300]) {
        expect(failure(() => verifyWebhook(make([SECRET], T + skew), BODY, SECRET, { now: NOW_MS }))).toBe(
          'accepted',
        );
      }
      for (const skew of [-301, 301]) {
        expect(failure(() => verifyWebhook(make([SECRET], T + skew), BODY, SECRET, { now: NOW_MS }))).toEqual(
          {
            code: 'ERR_WEBHOOK_TIMESTAMP_STALE',
            status: 401,
          },
        );
      }
      expect(
        failure(() =>
          verifyWebhook(make([SECRET], T - 20), BODY, SECRET, { now: NOW_MS, toleranceSeconds: 10 }),
        ),
      ).toMatchObject({ code: 'ERR_WEBHOOK_TIMESTAMP_STALE' });
    }
  });

  it('refuses a wrong secret, another body, another id or a moved timestamp (401)', () => {
    const invalid = { code: 'ERR_WEBHOOK_SIGNATURE_INVALID', status: 401 };
    const now = { now: NOW_MS };
    expect(failure(() => verifyWebhook(sweatstack([SECRET]), BODY, OTHER, now))).toEqual(invalid);
    expect(failure(() => verifyWebhook(standard([SECRET]), BODY, OTHER, now))).toEqual(invalid);
    expect(failure(() => verifyWebhook(sweatstack([SECRET]), `${BODY} `, SECRET, now))).toEqual(invalid);
    expect(failure(() => verifyWebhook(standard([SECRET]), `${BODY} `, SECRET, now))).toEqual(invalid);
    // The same JSON written differently is other bytes: verification never re-serializes.
    const spaced = JSON.stringify(JSON.parse(BODY), null, 1);
    expect(failure(() => verifyWebhook(sweatstack([SECRET]), spaced, SECRET, now))).toEqual(invalid);
    expect(
      failure(() => verifyWebhook({ ...standard([SECRET]), 'webhook-id': 'evt_3' }, BODY, SECRET, now)),
    ).toEqual(invalid);
    const moved = sweatstack([SECRET])['x-sweatstack-signature'].replace(`t=${T}`, `t=${T + 1}`);
    expect(failure(() => verifyWebhook({ 'x-sweatstack-signature': moved }, BODY, SECRET, now))).toEqual(
      invalid,
    );
  });

  it('refuses requests that are not signed deliveries with 400, naming what is missing', () => {
    const now = { now: NOW_MS };
    expect(failure(() => verifyWebhook({}, BODY, SECRET, now))).toEqual({
      code: 'ERR_WEBHOOK_SIGNATURE_MISSING',
      status: 400,
    });
    const { 'webhook-id': _id, ...noId } = standard([SECRET]);
    expect(failure(() => verifyWebhook(noId, BODY, SECRET, now))).toMatchObject({
      code: 'ERR_WEBHOOK_SIGNATURE_MISSING',
    });
    expect(
      failure(() => verifyWebhook(sweatstack([SECRET]), BODY, SECRET, { ...now, scheme: 'standard' })),
    ).toMatchObject({
      code: 'ERR_WEBHOOK_SIGNATURE_MISSING',
    });
    for (const header of ['v1=abc', `t=${T}`, `t=${T},v1`, `t=soon,v1=${'0'.repeat(64)}`, '']) {
      expect(failure(() => verifyWebhook({ 'x-sweatstack-signature': header }, BODY, SECRET, now))).toEqual({
        code: 'ERR_WEBHOOK_SIGNATURE_MALFORMED',
        status: 400,
      });
    }
    expect(
      failure(() =>
        verifyWebhook({ ...standard([SECRET]), 'webhook-signature': 'v2,abc' }, BODY, SECRET, now),
      ),
    ).toMatchObject({ code: 'ERR_WEBHOOK_SIGNATURE_MALFORMED' });
    for (const body of ['not json', '[1]', '{"user_id":"u1"}', 'null']) {
      expect(failure(() => verifyWebhook(sweatstack([SECRET], T, body), body, SECRET, now))).toEqual({
        code: 'ERR_WEBHOOK_BODY_INVALID',
        status: 400,
      });
    }
  });

  it('passes event types it does not know (the enumeration is open)', () => {
    const body = BODY.replace('activity_created', 'daily_created');
    expect(verifyWebhook(sweatstack([SECRET], T, body), body, SECRET, { now: NOW_MS }).event_type).toBe(
      'daily_created',
    );
  });

  it('tells a programming mistake (a parsed body, no secret) from a bad delivery', () => {
    expect(() => verifyWebhook(sweatstack([SECRET]), JSON.parse(BODY), SECRET)).toThrow(TypeError);
    expect(() => verifyWebhook(sweatstack([SECRET]), BODY, '')).toThrow(TypeError);
  });

  it('verifies any body signed by the server and refuses it after any one byte changes (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.nat(),
        fc.boolean(),
        (text, position, useStandard) => {
          const body = JSON.stringify({
            user_id: text,
            event_type: 'test_created',
            resource_id: null,
            timestamp: 'x',
          });
          const headers = useStandard ? standard([SECRET], T, body) : sweatstack([SECRET], T, body);
          expect(verifyWebhook(headers, body, SECRET, { now: NOW_MS }).user_id).toBe(text);
          const bytes = Buffer.from(body);
          const at = position % bytes.length;
          bytes[at] = bytes[at]! ^ 0x01;
          expect(failure(() => verifyWebhook(headers, bytes, SECRET, { now: NOW_MS }))).not.toBe('accepted');
        },
      ),
      { numRuns: 200 },
    );
  });
});
