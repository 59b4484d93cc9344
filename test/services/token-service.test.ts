import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PeakformError } from '../../src/domain/errors.ts';
import { TokenService, type TokenServiceOptions } from '../../src/services/tokens/token-service.ts';
import { Store } from '../../src/store/store.ts';

const ATHLETE = 'ada';
const OTHER_ATHLETE = 'bob';
const START = new Date('2026-05-18T15:32:00Z');

let dataDir: string;
let store: Store | undefined;
let clock: Date;

async function openService(options: TokenServiceOptions = {}): Promise<TokenService> {
  store ??= await Store.open(dataDir);
  return TokenService.open(store, { now: () => clock, ...options });
}

async function reopenStore(): Promise<void> {
  store?.close();
  store = await Store.open(dataDir);
}

/** The payload exactly as WIRE.md §5.1's client decodes it: second segment, padding restored, base64url. */
function decodeLikeTheClient(token: string): Record<string, unknown> {
  const segment = token.split('.')[1]!;
  const padded = segment + '='.repeat((4 - (segment.length % 4)) % 4);
  return JSON.parse(Buffer.from(padded.replaceAll('-', '+').replaceAll('_', '/'), 'base64').toString('utf8'));
}

function encodeSegment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

async function expectRejection(promise: Promise<unknown>, code: string, reason?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PeakformError);
  const peakformError = error as PeakformError;
  expect(peakformError.code).toBe(code);
  expect(peakformError.status).toBe(code === 'ERR_TOKEN_NOT_FOUND' ? 404 : 401);
  if (reason !== undefined) expect(peakformError.details).toEqual({ reason });
}

/** A legacy key inserted exactly as the engine's `createToken` did before issue 7. */
async function insertLegacyKey(athleteId: string): Promise<{ id: string; token: string }> {
  const token = 'pf_legacyTokenForTestsOnly_0123456789abcdef';
  const id = 'tok_0123456789abcdef';
  await store!.write(async (tx) => {
    await tx.run('INSERT INTO athletes (id) VALUES ($1) ON CONFLICT DO NOTHING', [athleteId]);
    await tx.run('INSERT INTO tokens (id, athlete_id, token_sha256, name) VALUES ($1, $2, $3, $4)', [
      id,
      athleteId,
      createHash('sha256').update(token).digest('hex'),
      'old laptop',
    ]);
  });
  return { id, token };
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'peakform-tokens-'));
  clock = START;
});

afterEach(async () => {
  store?.close();
  store = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe('TokenService', () => {
  it('create() issues a JWT that verify() maps back to the athlete and its scopes', async () => {
    const tokens = await openService();
    const created = await tokens.create(ATHLETE, { name: 'laptop' });

    expect(created.token.split('.')).toHaveLength(3);
    expect(created.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const payload = decodeLikeTheClient(created.token);
    expect(payload.sub).toBe(ATHLETE);
    expect(typeof payload.exp).toBe('number');
    expect(payload.exp).toBe(START.getTime() / 1000 + 10 * 365 * 86_400);
    expect(payload.iat).toBe(START.getTime() / 1000);
    expect(payload.jti).toBe(created.id);
    expect(payload.iss).toBe('peakform');
    expect(payload.scope).toBe('data:read data:write profile');
    expect(payload).not.toHaveProperty('aud');
    expect(decodeProtectedHeader(created.token)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(created).toMatchObject({
      athleteId: ATHLETE,
      name: 'laptop',
      scopes: ['data:read', 'data:write', 'profile'],
      createdAt: '2026-05-18T15:32:00Z',
      expiresAt: '2036-05-15T15:32:00Z',
    });

    expect(await tokens.verify(created.token)).toEqual({
      athleteId: ATHLETE,
      scopes: ['data:read', 'data:write', 'profile'],
      tokenId: created.id,
      kind: 'personal',
      source: { keyId: created.id },
    });
  });

  it('create() keeps the asked scopes in canonical order and refuses unknown ones', async () => {
    const tokens = await openService();
    const created = await tokens.create(ATHLETE, { scopes: ['profile', 'data:read', 'profile'] });
    expect(decodeLikeTheClient(created.token).scope).toBe('data:read profile');
    expect((await tokens.verify(created.token)).scopes).toEqual(['data:read', 'profile']);

    await expect(tokens.create(ATHLETE, { scopes: ['admin'] })).rejects.toMatchObject({
      code: 'ERR_TOKEN_SCOPE_INVALID',
      status: 400,
    });
    await expect(tokens.create(ATHLETE, { expiresInS: 0 })).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRY_INVALID',
    });
    await expect(tokens.create('../etc')).rejects.toMatchObject({ code: 'ERR_ATHLETE_ID_INVALID' });
  });

  it('verify() rejects a token whose payload was altered', async () => {
    const tokens = await openService();
    const { token } = await tokens.create(ATHLETE);
    const [header, , signature] = token.split('.');
    const payload = decodeLikeTheClient(token);
    const forged = `${header}.${encodeSegment({ ...payload, sub: OTHER_ATHLETE })}.${signature}`;
    await expectRejection(tokens.verify(forged), 'ERR_AUTH_INVALID', 'signature');
  });

  it('verify() rejects a token whose signature was altered', async () => {
    const tokens = await openService();
    const { token } = await tokens.create(ATHLETE);
    const [header, payload, signature] = token.split('.');
    const bytes = base64url.decode(signature!);
    bytes[10]! ^= 0x01;
    await expectRejection(
      tokens.verify(`${header}.${payload}.${base64url.encode(bytes)}`),
      'ERR_AUTH_INVALID',
      'signature',
    );
  });

  it('verify() rejects an unsigned token (alg none)', async () => {
    const tokens = await openService();
    const { token } = await tokens.create(ATHLETE);
    const { kid } = decodeProtectedHeader(token);
    const unsigned = `${encodeSegment({ alg: 'none', kid })}.${token.split('.')[1]}.`;
    await expectRejection(tokens.verify(unsigned), 'ERR_AUTH_INVALID', 'algorithm');
  });

  it('verify() rejects HS256 signed with the public key as the secret', async () => {
    const tokens = await openService();
    const { token } = await tokens.create(ATHLETE);
    const payload = decodeLikeTheClient(token);
    const publicJwk = tokens.jwks().keys[0]!;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const confused = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid! })
      .sign(secret);
    await expectRejection(tokens.verify(confused), 'ERR_AUTH_INVALID', 'algorithm');
  });

  it('verify() rejects a token signed by a foreign RSA key, under our kid or its own', async () => {
    const tokens = await openService();
    const { token } = await tokens.create(ATHLETE);
    const payload = decodeLikeTheClient(token);
    const { kid } = decodeProtectedHeader(token);
    const foreign = await generateKeyPair('RS256');
    const underOurKid = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: kid! })
      .sign(foreign.privateKey);
    await expectRejection(tokens.verify(underOurKid), 'ERR_AUTH_INVALID', 'signature');
    const underItsKid = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: 'foreign' })
      .sign(foreign.privateKey);
    await expectRejection(tokens.verify(underItsKid), 'ERR_AUTH_INVALID', 'signing_key');
    const withoutKid = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256' })
      .sign(foreign.privateKey);
    await expectRejection(tokens.verify(withoutKid), 'ERR_AUTH_INVALID', 'signing_key');
  });

  it('verify() rejects malformed bearers', async () => {
    const tokens = await openService();
    for (const bearer of ['', 'abc', 'a.b.c', 'a.b', `${encodeSegment({ alg: 'RS256' })}.e30`]) {
      await expectRejection(tokens.verify(bearer), 'ERR_AUTH_INVALID');
    }
    await expectRejection(tokens.verify('pf_unknown'), 'ERR_AUTH_INVALID', 'unknown');
  });

  it('verify() rejects an expired token with ERR_AUTH_EXPIRED', async () => {
    const tokens = await openService();
    const { token } = await tokens.create(ATHLETE, { expiresInS: 60 });
    clock = new Date(START.getTime() + 59_000);
    expect((await tokens.verify(token)).athleteId).toBe(ATHLETE);
    clock = new Date(START.getTime() + 61_000);
    await expectRejection(tokens.verify(token), 'ERR_AUTH_EXPIRED');
  });

  it('verify() rejects a revoked token at once with ERR_AUTH_REVOKED', async () => {
    const tokens = await openService();
    const created = await tokens.create(ATHLETE);
    expect((await tokens.verify(created.token)).athleteId).toBe(ATHLETE);
    await tokens.revoke(ATHLETE, created.id);
    await expectRejection(tokens.verify(created.token), 'ERR_AUTH_REVOKED');
    // Revoking twice is not an error: the key is gone either way.
    await tokens.revoke(ATHLETE, created.id);
  });

  it('verify() rejects a token from another issuer', async () => {
    const { token } = await (await openService({ issuer: 'https://elsewhere.example' })).create(ATHLETE);
    await expectRejection((await openService()).verify(token), 'ERR_AUTH_INVALID', 'issuer');
  });

  it('verify() rejects a validly signed token whose row was deleted', async () => {
    const tokens = await openService();
    const created = await tokens.create(ATHLETE);
    await store!.write((tx) => tx.run('DELETE FROM tokens WHERE id = $1', [created.id]));
    // Rows are held in memory from open (one process owns a data dir): a service opened after the
    // deletion refuses the token.
    await expectRejection((await openService()).verify(created.token), 'ERR_AUTH_INVALID', 'unknown');
  });

  it('a legacy pf_ key keeps verifying as kind legacy until it is revoked', async () => {
    const tokens = await openService();
    const legacy = await insertLegacyKey(ATHLETE);
    expect(await tokens.verify(legacy.token)).toEqual({
      athleteId: ATHLETE,
      scopes: ['data:read', 'data:write', 'profile'],
      tokenId: legacy.id,
      kind: 'legacy',
    });
    expect((await tokens.list(ATHLETE)).map((t) => [t.id, t.kind, t.expiresAt])).toEqual([
      [legacy.id, 'legacy', null],
    ]);
    await tokens.revoke(ATHLETE, legacy.id);
    await expectRejection(tokens.verify(legacy.token), 'ERR_AUTH_REVOKED');
  });

  it('a data dir from before issue 7 gains the new columns on open and its legacy keys still verify', async () => {
    store = await Store.open(dataDir);
    const legacy = await insertLegacyKey(ATHLETE);
    for (const column of ['jti', 'scopes', 'expires_at', 'signing_kid', 'last_used_at']) {
      await store.write((tx) => tx.run(`ALTER TABLE tokens DROP COLUMN ${column}`));
    }
    await reopenStore();
    const tokens = await openService();
    expect((await tokens.verify(legacy.token)).kind).toBe('legacy');
    expect((await tokens.verify((await tokens.create(ATHLETE)).token)).kind).toBe('personal');
  });

  it('signing keys persist in the data dir with mode 0600, so a reopened server verifies older tokens', async () => {
    const created = await (await openService()).create(ATHLETE);
    const keyFiles = await readdir(join(dataDir, 'keys'));
    expect(keyFiles).toHaveLength(1);
    expect(keyFiles[0]).toMatch(/^[A-Za-z0-9_-]{43}\.json$/);
    expect((await stat(join(dataDir, 'keys', keyFiles[0]!))).mode & 0o777).toBe(0o600);

    await reopenStore();
    const reopened = await openService();
    expect((await reopened.verify(created.token)).tokenId).toBe(created.id);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(keyFiles);
  });

  it('rotation signs new tokens with the new kid and keeps verifying the old ones; retiring a key ends them', async () => {
    const tokens = await openService();
    const before = await tokens.create(ATHLETE);
    const oldKid = decodeProtectedHeader(before.token).kid!;

    const newKid = await tokens.rotateSigningKey();
    const after = await tokens.create(ATHLETE);
    expect(newKid).not.toBe(oldKid);
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    expect(tokens.jwks().keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    for (const key of tokens.jwks().keys)
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect((await tokens.verify(before.token)).tokenId).toBe(before.id);
    expect((await tokens.verify(after.token)).tokenId).toBe(after.id);

    await reopenStore();
    const reopened = await openService();
    expect(decodeProtectedHeader((await reopened.create(ATHLETE)).token).kid).toBe(newKid);
    await reopened.retireSigningKey(oldKid);
    await expectRejection(reopened.verify(before.token), 'ERR_AUTH_INVALID', 'signing_key');
    expect((await reopened.verify(after.token)).tokenId).toBe(after.id);
    expect(reopened.jwks().keys.map((k) => k.kid)).toEqual([newKid]);
  });

  it('a repeated verify skips only the signature check: expiry, key retirement and revocation still hold at once', async () => {
    const tokens = await openService();
    const { token, id } = await tokens.create(ATHLETE, { expiresInS: 60 });
    const other = await tokens.create(ATHLETE);
    // Verified (and remembered) at 59 s; at exactly 60 s (exp) it has expired, as jose counts.
    clock = new Date(START.getTime() + 59_000);
    expect((await tokens.verify(token)).tokenId).toBe(id);
    expect((await tokens.verify(token)).tokenId).toBe(id);
    clock = new Date(START.getTime() + 60_000);
    await expectRejection(tokens.verify(token), 'ERR_AUTH_EXPIRED');
    // Remembered, then its signing key retired: refused at the next verify.
    expect((await tokens.verify(other.token)).tokenId).toBe(other.id);
    const oldKid = decodeProtectedHeader(other.token).kid!;
    await tokens.rotateSigningKey();
    await tokens.retireSigningKey(oldKid);
    await expectRejection(tokens.verify(other.token), 'ERR_AUTH_INVALID', 'signing_key');
    // Remembered, then revoked: refused at the next verify.
    const fresh = await tokens.create(ATHLETE);
    expect((await tokens.verify(fresh.token)).tokenId).toBe(fresh.id);
    await tokens.revoke(ATHLETE, fresh.id);
    await expectRejection(tokens.verify(fresh.token), 'ERR_AUTH_REVOKED');
    // A token altered after a good one was remembered is still checked in full.
    const [header, payload] = fresh.token.split('.');
    await expectRejection(tokens.verify(`${header}.${payload}.${'A'.repeat(342)}`), 'ERR_AUTH_INVALID');
  });

  it('list() shows an athlete its own keys without token strings; revoke() of another athlete’s key is not found', async () => {
    const tokens = await openService();
    const mine = await tokens.create(ATHLETE, { name: 'laptop', scopes: ['data:read'] });
    const theirs = await tokens.create(OTHER_ATHLETE);

    const listed = await tokens.list(ATHLETE);
    expect(listed).toEqual([
      {
        id: mine.id,
        kind: 'personal',
        name: 'laptop',
        scopes: ['data:read'],
        createdAt: '2026-05-18T15:32:00Z',
        expiresAt: '2036-05-15T15:32:00Z',
        lastUsedAt: null,
        revokedAt: null,
      },
    ]);
    const serialized = JSON.stringify(listed);
    expect(serialized).not.toContain(mine.token);
    expect(serialized).not.toContain(mine.token.split('.')[2]!);

    await expectRejection(tokens.revoke(ATHLETE, theirs.id), 'ERR_TOKEN_NOT_FOUND');
    await expectRejection(tokens.revoke(ATHLETE, 'tok_missing'), 'ERR_TOKEN_NOT_FOUND');
    expect((await tokens.verify(theirs.token)).athleteId).toBe(OTHER_ATHLETE);
  });

  it('verify() records last use at most once per ten minutes', async () => {
    const tokens = await openService();
    const created = await tokens.create(ATHLETE);
    await tokens.verify(created.token);
    clock = new Date(START.getTime() + 60_000);
    await tokens.verify(created.token);
    expect((await tokens.list(ATHLETE))[0]!.lastUsedAt).toBe('2026-05-18T15:32:00Z');
    clock = new Date(START.getTime() + 11 * 60_000);
    await tokens.verify(created.token);
    expect((await tokens.list(ATHLETE))[0]!.lastUsedAt).toBe('2026-05-18T15:43:00Z');
  });
});
