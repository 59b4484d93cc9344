import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/services/tokens/token-service.ts';
import { Store } from '../../src/store/store.ts';

/**
 * Rotation keeps the old signing key in the JWKS, verifying, exactly as long as a token it signed
 * can still be presented; once they have all expired or been revoked it retires at the next open.
 */
describe('signing key rotation', () => {
  let dataDir: string;
  let store: Store;
  let clock: Date;
  const open = () => TokenService.open(store, { now: () => clock });

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'peakform-keys-'));
    store = await Store.open(dataDir);
    clock = new Date();
  });
  afterEach(async () => {
    store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the old key while its tokens live, and retires it once they have expired', async () => {
    let tokens = await open();
    const old = await tokens.create('ada', { expiresInS: 3600 });
    const oldKid = decodeProtectedHeader(old.token).kid!;
    const newKid = await tokens.rotateSigningKey();
    const fresh = await tokens.create('ada');
    expect(decodeProtectedHeader(fresh.token).kid).toBe(newKid);
    expect(tokens.jwks().keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    await expect(tokens.verify(old.token)).resolves.toMatchObject({ athleteId: 'ada' });
    expect((await tokens.listSigningKeys()).map((key) => [key.signs, key.liveKeys])).toEqual([
      [true, 1],
      [false, 1],
    ]);

    // Three hours on: the hour's token has expired, but short-lived tokens' grace has not passed.
    clock = new Date(clock.getTime() + 3 * 3600 * 1000);
    tokens = await open();
    expect(tokens.jwks().keys.map((key) => key.kid)).toEqual([newKid, oldKid]);

    clock = new Date(clock.getTime() + 2 * 86_400 * 1000);
    tokens = await open();
    expect(tokens.jwks().keys.map((key) => key.kid)).toEqual([newKid]);
    await expect(tokens.verify(fresh.token)).resolves.toMatchObject({ athleteId: 'ada' });
    expect((await tokens.listSigningKeys())[1]).toMatchObject({ kid: oldKid, signs: false });
    expect((await tokens.listSigningKeys())[1]!.retiredAt).not.toBeNull();
  });

  it('keeps a replaced key as long as a long-lived key it signed is unrevoked', async () => {
    let tokens = await open();
    const longLived = await tokens.create('ada');
    const oldKid = decodeProtectedHeader(longLived.token).kid!;
    await tokens.rotateSigningKey();
    clock = new Date(clock.getTime() + 30 * 86_400 * 1000);
    tokens = await open();
    expect(tokens.jwks().keys.map((key) => key.kid)).toContain(oldKid);
    await expect(tokens.verify(longLived.token)).resolves.toMatchObject({ athleteId: 'ada' });
    await tokens.revoke('ada', longLived.id);
    tokens = await open();
    expect(tokens.jwks().keys.map((key) => key.kid)).not.toContain(oldKid);
  });
});
