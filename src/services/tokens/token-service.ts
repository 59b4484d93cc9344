import { hash, randomBytes } from 'node:crypto';
import { errors, type JSONWebKeySet, type JWTHeaderParameters, jwtVerify, SignJWT } from 'jose';
import { PeakformError } from '../../domain/errors.ts';
import { isAthleteId, sha256Hex } from '../../domain/ids.ts';
import { isoUtc } from '../../domain/time-format.ts';
import { SIGNING_ALGORITHM, SigningKeys } from '../../store/signing-keys.ts';
import type { Store } from '../../store/store.ts';
import { type TokenAuthRow, TokenRepository } from '../../store/token-repository.ts';

/** Longer than any short-lived token this server signs (access tokens 15 min, ID tokens 1 h). */
const SHORT_LIVED_TOKENS_GRACE_MS = 24 * 3600 * 1000;

export interface SigningKeySummary {
  kid: string;
  createdAt: string;
  retiredAt: string | null;
  /** The key new tokens are signed with. */
  signs: boolean;
  /** Unexpired, unrevoked API keys it signed (they keep it in the JWKS). */
  liveKeys: number;
}

/** The scopes a personal API key may carry (WIRE.md §5.3), in their canonical order. */
export const PERSONAL_KEY_SCOPES = ['data:read', 'data:write', 'profile'] as const;
export type PersonalKeyScope = (typeof PERSONAL_KEY_SCOPES)[number];
/** What a key gets when no scopes are asked for, and what a legacy `pf_` key acts with. */
export const DEFAULT_SCOPES: readonly PersonalKeyScope[] = PERSONAL_KEY_SCOPES;

export const DEFAULT_ISSUER = 'peakform';
/** Clients demand an `exp` (WIRE.md §5.1); a personal key gets a far-future one unless asked otherwise. */
export const DEFAULT_EXPIRES_IN_S = 10 * 365 * 86_400;
const MAX_EXPIRES_IN_S = 100 * 365 * 86_400;
const MAX_NAME_LENGTH = 100;
const LEGACY_PREFIX = 'pf_';
/** `last_used_at` is advisory: written at most this often per key, so verify stays a read. */
const LAST_USED_RESOLUTION_MS = 10 * 60 * 1000;
/** Signatures remembered as checked (by the token's sha256): enough for every live client of a busy server. */
const MAX_CHECKED_SIGNATURES = 10_000;

export interface TokenServiceOptions {
  /** The `iss` of new keys and the only one accepted. */
  issuer?: string;
  /** The clock for `iat`, `exp` and expiry checks (tests pin it). */
  now?: () => Date;
}

export interface CreateTokenOptions {
  name?: string;
  scopes?: readonly string[];
  expiresInS?: number;
  /** Mints an application token for this client id (`aud`), as a completed authorization would. */
  clientId?: string;
}

/** What the OAuth server's tokens are checked against besides their signature. */
export interface OAuthTokenChecks {
  issuer: string;
  /** Whether the grant a token was issued under still stands (the athlete may have revoked the app). */
  isLiveGrant: (grantId: string) => boolean;
  /** Whether the client secret a token was issued under still exists. */
  isLiveSecret: (secretId: string) => boolean;
}

/** Delegated and principal pairs' access tokens live as long as the authorization server's (WIRE.md §5.1). */
export const DELEGATED_EXPIRES_IN_S = 15 * 60;

/** The credential a token was minted from: a personal key, or an OAuth grant (and client secret). */
export interface TokenSource {
  keyId?: string;
  grantId?: string;
  secretId?: string;
}

/** What a delegated token is checked against besides its signature (held in memory by the delegation service). */
export interface DelegationChecks {
  /** The scopes a delegation grants now; undefined once it ended (withdrawn, left the team, user deleted). */
  liveScopes(delegationId: string, principalId: string, athleteId: string): readonly string[] | undefined;
}

export interface DelegatedTokenInput {
  delegationId: string;
  principalId: string;
  athleteId: string;
  scopes: readonly string[];
  audience?: string;
  source: TokenSource;
}

export interface CreatedToken {
  id: string;
  /** The JWT; shown once, never stored (only its sha256 is). */
  token: string;
  athleteId: string;
  name: string | null;
  scopes: PersonalKeyScope[];
  createdAt: string;
  expiresAt: string;
}

export interface VerifiedToken {
  athleteId: string;
  scopes: string[];
  tokenId: string;
  /** The client id of an application token; personal keys have none (WIRE.md §5.1). */
  audience?: string;
  /**
   * `oauth`: issued by the authorization server; `personal`: a key made by the CLI (an app token
   * when it has an audience); `delegated`: minted by delegated-token or principal-token.
   */
  kind: 'personal' | 'legacy' | 'oauth' | 'delegated';
  /** The user acting (the token's `act.sub`) when a delegated token acts for another user. */
  principalId?: string;
  /** The delegation a `delegated` token belongs to. */
  delegationId?: string;
  /** The credential the bearer stands on; a delegation made with it ends when it is revoked. */
  source?: TokenSource;
}

/** One key as listed to its owner: everything but the token string. */
export interface TokenSummary {
  id: string;
  kind: 'personal' | 'legacy';
  name: string | null;
  scopes: string[];
  createdAt: string;
  /** Null for a legacy key, which never expires. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface SignedClaims {
  sub: string;
  jti: string;
  scope: string;
  aud: string | undefined;
  iss: string;
  /** The OAuth grant an access token was issued under. */
  gid: string | undefined;
  /** The client secret an access token was issued under. */
  csid: string | undefined;
  /** A delegated token: the principal (RFC 8693 `act.sub`), its delegation and the personal key it stands on. */
  act: string | undefined;
  did: string | undefined;
  ptk: string | undefined;
}

type InvalidReason =
  | 'malformed'
  | 'algorithm'
  | 'signing_key'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'unknown';

/**
 * Personal API keys: RS256 JWTs (`sub` athlete, `exp`, `iat`, `jti`, `scope`, `iss`, no `aud`)
 * signed with a key kept in the data dir, each backed by a row of the `tokens` table so that it
 * can be listed and revoked. Legacy `pf_` keys (sha256 in the table) keep working until revoked.
 *
 * Every personal key's row (id, athlete, revocation) is held in memory, loaded when the data dir
 * opens and changed by `create` and `revoke` in the same call that writes the catalog: one process
 * owns a data dir (DuckDB's lock), so the copy is authoritative and a revocation holds for the
 * very next request. A verify is then the signature check (~0.15 ms) and a map lookup; a DuckDB
 * point lookup per request cost ~1.9 ms (measured on these machines). A validly signed token whose
 * id has no row is refused. Legacy keys, a migration path, are still looked up in the catalog.
 */
export class TokenService {
  private readonly lastUsedWrittenMs = new Map<string, number>();
  /**
   * Tokens whose signature and claims were checked, by the sha256 of the token (the token itself
   * is never kept): a repeat skips the signature check (the bulk of a verify) while it has not
   * expired and its signing key still verifies. Only the signature is remembered; revocation,
   * grants and delegations are checked on every verify, so a revocation holds for the next request.
   */
  private readonly checkedSignatures = new Map<string, { claims: SignedClaims; kid: string; expS: number }>();
  private oauth: OAuthTokenChecks | undefined;
  private delegation: DelegationChecks | undefined;

  private constructor(
    private readonly repository: TokenRepository,
    private readonly signingKeys: SigningKeys,
    private readonly issuer: string,
    private readonly now: () => Date,
    /** Personal keys by id (= jti). */
    private readonly personalKeys: Map<string, TokenAuthRow>,
  ) {}

  static async open(store: Store, options: TokenServiceOptions = {}): Promise<TokenService> {
    const signingKeys = await SigningKeys.open(store.lake.dataDir);
    const repository = new TokenRepository(store);
    const personalKeys = new Map((await repository.listPersonalAuth()).map((row) => [row.id, row]));
    const service = new TokenService(
      repository,
      signingKeys,
      options.issuer ?? DEFAULT_ISSUER,
      options.now ?? (() => new Date()),
      personalKeys,
    );
    await service.retireSpentSigningKeys();
    return service;
  }

  async create(athleteId: string, options: CreateTokenOptions = {}): Promise<CreatedToken> {
    assertAthleteId(athleteId);
    const scopes = chooseScopes(options.scopes);
    const expiresInS = options.expiresInS ?? DEFAULT_EXPIRES_IN_S;
    if (!Number.isInteger(expiresInS) || expiresInS < 1 || expiresInS > MAX_EXPIRES_IN_S) {
      throw new PeakformError(
        'ERR_TOKEN_EXPIRY_INVALID',
        `The expiry must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN_S} (100 years); leave it out for ${DEFAULT_EXPIRES_IN_S} (10 years).`,
        400,
        { expiresInS },
      );
    }
    const name = options.name?.trim() || null;
    if (name !== null && name.length > MAX_NAME_LENGTH) {
      throw new PeakformError(
        'ERR_TOKEN_NAME_INVALID',
        `A key's name has at most ${MAX_NAME_LENGTH} characters.`,
        400,
        { length: name.length },
      );
    }
    const id = `tok_${randomBytes(12).toString('hex')}`;
    const issuedAtS = Math.floor(this.now().getTime() / 1000);
    const expiresAtS = issuedAtS + expiresInS;
    const signer = this.signingKeys.signer;
    const clientId = options.clientId;
    const jwt = new SignJWT({ scope: scopes.join(' '), ...(clientId ? { client_id: clientId } : {}) })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: 'JWT', kid: signer.kid })
      .setIssuer(this.issuer)
      .setSubject(athleteId)
      .setJti(id)
      .setIssuedAt(issuedAtS)
      .setExpirationTime(expiresAtS);
    if (clientId) jwt.setAudience(clientId);
    const token = await jwt.sign(signer.privateKey);
    await this.repository.insert({
      id,
      athleteId,
      name,
      tokenSha256: sha256Hex(token),
      scopes,
      signingKid: signer.kid,
      createdAtS: issuedAtS,
      expiresAtS,
      clientId: clientId ?? null,
    });
    this.personalKeys.set(id, { id, athleteId, revokedAtS: null, clientId: clientId ?? null });
    return {
      id,
      token,
      athleteId,
      name,
      scopes,
      createdAt: isoUtc(issuedAtS),
      expiresAt: isoUtc(expiresAtS),
    };
  }

  /** The athlete and scopes a bearer token acts with; throws a 401 PeakformError otherwise. */
  async verify(bearer: string): Promise<VerifiedToken> {
    if (bearer.startsWith(LEGACY_PREFIX)) return this.verifyLegacy(bearer);
    const claims = await this.verifySignedClaims(bearer);
    if (claims.did !== undefined) return this.verifyDelegated(claims);
    if (this.oauth && claims.iss === this.oauth.issuer) return this.verifyOAuth(claims, this.oauth);
    const row = this.personalKeys.get(claims.jti);
    if (!row) throw invalid('unknown', 'It is not (or no longer) a key of this server.');
    if (row.athleteId !== claims.sub) throw invalid('claims', 'Its subject does not match the key issued.');
    if ((row.clientId ?? undefined) !== claims.aud)
      throw invalid('audience', 'Its audience is not the one it was issued for.');
    if (row.revokedAtS !== null) throw revoked(row.revokedAtS);
    await this.noteUse(row.id);
    return {
      athleteId: claims.sub,
      scopes: claims.scope.split(' ').filter((s) => s !== ''),
      tokenId: row.id,
      ...(claims.aud === undefined ? {} : { audience: claims.aud }),
      kind: 'personal',
      source: { keyId: row.id },
    };
  }

  /** Accepts delegated tokens, checked against these on every verify. */
  acceptDelegatedTokens(checks: DelegationChecks): void {
    this.delegation = checks;
  }

  /**
   * A delegated (or principal) access token: an RS256 JWT whose `sub` is the user it acts as,
   * `act: {sub: principal}` (RFC 8693), `did` its delegation, `aud` the app of the principal's
   * token if it had one, and the principal's credential (`ptk` personal key, `gid`/`csid` OAuth
   * grant and secret), so that revoking that credential ends the delegated token too.
   */
  async mintDelegated(input: DelegatedTokenInput): Promise<{ token: string; expiresInS: number }> {
    const issuedAtS = Math.floor(this.now().getTime() / 1000);
    const signer = this.signingKeys.signer;
    const { source } = input;
    const jwt = new SignJWT({
      scope: input.scopes.join(' '),
      act: { sub: input.principalId },
      did: input.delegationId,
      ...(source.keyId ? { ptk: source.keyId } : {}),
      ...(source.grantId ? { gid: source.grantId } : {}),
      ...(source.secretId ? { csid: source.secretId } : {}),
      ...(input.audience ? { client_id: input.audience } : {}),
    })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: 'JWT', kid: signer.kid })
      .setIssuer(this.issuer)
      .setSubject(input.athleteId)
      .setJti(`dtk_${randomBytes(12).toString('hex')}`)
      .setIssuedAt(issuedAtS)
      .setExpirationTime(issuedAtS + DELEGATED_EXPIRES_IN_S);
    if (input.audience) jwt.setAudience(input.audience);
    return { token: await jwt.sign(signer.privateKey), expiresInS: DELEGATED_EXPIRES_IN_S };
  }

  /** Whether the credential a delegation stands on is still valid (a map lookup, no I/O). */
  isLiveSource(source: TokenSource): boolean {
    if (source.keyId !== undefined) {
      const key = this.personalKeys.get(source.keyId);
      if (!key || key.revokedAtS !== null) return false;
    }
    if (source.grantId !== undefined && !this.oauth?.isLiveGrant(source.grantId)) return false;
    if (source.secretId !== undefined && !this.oauth?.isLiveSecret(source.secretId)) return false;
    return true;
  }

  /** Forgets a deleted athlete's keys (their rows were deleted with the athlete). */
  forgetAthlete(athleteId: string): void {
    for (const [id, key] of this.personalKeys) if (key.athleteId === athleteId) this.personalKeys.delete(id);
  }

  /** Accepts the authorization server's access tokens too (signed with the same keys). */
  acceptOAuthTokens(checks: OAuthTokenChecks): void {
    this.oauth = checks;
  }

  /** Revokes every application token the CLI minted for this athlete and app (the app's access was revoked). */
  async revokeApplicationTokens(athleteId: string, clientId: string): Promise<number> {
    const revokedAtS = this.now().getTime() / 1000;
    const ids = await this.repository.revokeByClient(athleteId, clientId, revokedAtS);
    for (const id of ids) {
      const key = this.personalKeys.get(id);
      if (key && key.revokedAtS === null) key.revokedAtS = revokedAtS;
    }
    return ids.length;
  }

  /** The athlete's keys, newest first, revoked ones included; never the token strings. */
  async list(athleteId: string): Promise<TokenSummary[]> {
    assertAthleteId(athleteId);
    const rows = await this.repository.listByAthlete(athleteId);
    return rows.map((row) => ({
      id: row.id,
      kind: row.jti === null ? 'legacy' : 'personal',
      name: row.name,
      scopes: row.scopes ?? [...DEFAULT_SCOPES],
      createdAt: isoUtc(row.createdAtS),
      expiresAt: row.expiresAtS === null ? null : isoUtc(row.expiresAtS),
      lastUsedAt: row.lastUsedAtS === null ? null : isoUtc(row.lastUsedAtS),
      revokedAt: row.revokedAtS === null ? null : isoUtc(row.revokedAtS),
    }));
  }

  /** Revokes one of the athlete's keys (personal or legacy), effective for the next request. */
  async revoke(athleteId: string, tokenId: string): Promise<void> {
    assertAthleteId(athleteId);
    const revokedAtS = this.now().getTime() / 1000;
    const found = await this.repository.revoke(athleteId, tokenId, revokedAtS);
    const key = this.personalKeys.get(tokenId);
    if (found && key && key.revokedAtS === null) key.revokedAtS = revokedAtS;
    if (!found) {
      throw new PeakformError(
        'ERR_TOKEN_NOT_FOUND',
        `No API key ${tokenId} for this athlete. List yours to see their ids.`,
        404,
        { tokenId },
      );
    }
  }

  /** The public keys that verify tokens, for `/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet {
    return this.signingKeys.jwks();
  }

  /** The active private signing keys, signer first, for the authorization server. */
  exportPrivateJwks(): Promise<JSONWebKeySet> {
    return this.signingKeys.exportPrivateJwks();
  }

  /** The apps an athlete holds live application tokens (made by the CLI) for, with their scopes. */
  async applicationTokenGrants(athleteId: string): Promise<{ clientId: string; scopes: string[] }[]> {
    return this.repository.listLiveClientIds(athleteId);
  }

  /** Every signing key, newest first: which signs, which still verify, how many live keys each signed. */
  async listSigningKeys(): Promise<SigningKeySummary[]> {
    const nowS = this.now().getTime() / 1000;
    const signer = this.signingKeys.signer.kid;
    const summaries: SigningKeySummary[] = [];
    for (const key of this.signingKeys.list()) {
      summaries.push({
        kid: key.kid,
        createdAt: key.createdAt,
        retiredAt: key.retiredAt,
        signs: key.kid === signer,
        liveKeys: await this.repository.countLiveBySigningKid(key.kid, nowS),
      });
    }
    return summaries;
  }

  /**
   * Retires the keys that no longer sign and that no live token needs: every key they signed has
   * expired or been revoked, and they were replaced longer ago than the longest short-lived token
   * (OAuth and delegated access tokens, ID tokens) lives. A rotation thus keeps the old key in the
   * JWKS exactly as long as something it signed can still be presented. Runs at every open.
   */
  async retireSpentSigningKeys(): Promise<string[]> {
    const nowMs = this.now().getTime();
    const keys = this.signingKeys.list();
    const retired: string[] = [];
    for (const [index, key] of keys.entries()) {
      if (index === 0 || key.retiredAt !== null) continue;
      const replacedAtMs = Date.parse(keys[index - 1]!.createdAt);
      if (nowMs - replacedAtMs < SHORT_LIVED_TOKENS_GRACE_MS) continue;
      if ((await this.repository.countLiveBySigningKid(key.kid, nowMs / 1000)) > 0) continue;
      if (this.signingKeys.signer.kid === key.kid) continue;
      await this.signingKeys.retire(key.kid);
      retired.push(key.kid);
    }
    return retired;
  }

  /** Adds a signing key that signs from now on; tokens signed before keep verifying. Returns its kid. */
  rotateSigningKey(): Promise<string> {
    return this.signingKeys.rotate();
  }

  /** Stops a signing key from verifying: every token it signed fails with ERR_AUTH_INVALID. */
  retireSigningKey(kid: string): Promise<void> {
    return this.signingKeys.retire(kid);
  }

  private verifyOAuth(claims: SignedClaims, checks: OAuthTokenChecks): VerifiedToken {
    if (claims.aud === undefined) throw invalid('claims', 'It has no audience.');
    if (claims.gid === undefined || !checks.isLiveGrant(claims.gid)) {
      throw new PeakformError(
        'ERR_AUTH_REVOKED',
        "The app's access was revoked (or its grant ended). Sign in to the app again.",
        401,
      );
    }
    if (claims.csid !== undefined && !checks.isLiveSecret(claims.csid)) {
      throw new PeakformError(
        'ERR_AUTH_REVOKED',
        'The client secret this token was issued under was deleted. Sign in to the app again.',
        401,
      );
    }
    return {
      athleteId: claims.sub,
      scopes: claims.scope.split(' ').filter((s) => s !== ''),
      tokenId: claims.jti,
      audience: claims.aud,
      kind: 'oauth',
      source: { grantId: claims.gid, ...(claims.csid === undefined ? {} : { secretId: claims.csid }) },
    };
  }

  /** A delegated token stands while its delegation and the principal's credential do; its scopes narrow with the grant. */
  private verifyDelegated(claims: SignedClaims): VerifiedToken {
    const principalId = claims.act;
    const delegationId = claims.did!;
    if (!this.delegation || principalId === undefined) throw invalid('claims', 'Its principal is missing.');
    const source: TokenSource = {
      ...(claims.ptk === undefined ? {} : { keyId: claims.ptk }),
      ...(claims.gid === undefined ? {} : { grantId: claims.gid }),
      ...(claims.csid === undefined ? {} : { secretId: claims.csid }),
    };
    if (!this.isLiveSource(source)) {
      throw new PeakformError(
        'ERR_AUTH_REVOKED',
        'The credential this token was delegated from was revoked. Sign in again.',
        401,
      );
    }
    const live = this.delegation.liveScopes(delegationId, principalId, claims.sub);
    if (!live) {
      throw new PeakformError(
        'ERR_AUTH_REVOKED',
        'The delegation ended: the athlete withdrew the access, or you are no longer in the team or their manager.',
        401,
      );
    }
    return {
      athleteId: claims.sub,
      scopes: claims.scope.split(' ').filter((s) => s !== '' && live.includes(s)),
      tokenId: claims.jti,
      ...(claims.aud === undefined ? {} : { audience: claims.aud }),
      kind: 'delegated',
      delegationId,
      source,
      ...(principalId === claims.sub ? {} : { principalId }),
    };
  }

  private async verifySignedClaims(bearer: string): Promise<SignedClaims> {
    const digest = hash('sha256', bearer);
    const checked = this.checkedSignatures.get(digest);
    if (checked) {
      // jose's rules: expired once `exp <= now` in whole seconds; a retired key verifies nothing.
      const nowS = Math.floor(this.now().getTime() / 1000);
      if (checked.expS > nowS && this.signingKeys.findVerificationKey(checked.kid)) return checked.claims;
      this.checkedSignatures.delete(digest);
    }
    const claims = await this.checkSignedClaims(bearer);
    if (this.checkedSignatures.size >= MAX_CHECKED_SIGNATURES)
      this.checkedSignatures.delete(this.checkedSignatures.keys().next().value!);
    this.checkedSignatures.set(digest, claims);
    return claims.claims;
  }

  private async checkSignedClaims(
    bearer: string,
  ): Promise<{ claims: SignedClaims; kid: string; expS: number }> {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        bearer,
        (header) => this.verificationKeyFor(header),
        {
          algorithms: [SIGNING_ALGORITHM],
          issuer: this.oauth ? [this.issuer, this.oauth.issuer] : this.issuer,
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
          currentDate: this.now(),
        },
      );
      const { sub, jti, scope, aud, iss, gid, csid, act, did, ptk } = payload;
      if (typeof sub !== 'string' || !isAthleteId(sub) || typeof jti !== 'string') {
        throw invalid('claims', 'Its subject or id is not one this server issues.');
      }
      if (scope !== undefined && typeof scope !== 'string')
        throw invalid('claims', 'Its scope is not a string.');
      if (aud !== undefined && typeof aud !== 'string')
        throw invalid('claims', 'Its audience is not a string.');
      if ((gid !== undefined && typeof gid !== 'string') || (csid !== undefined && typeof csid !== 'string'))
        throw invalid('claims', 'Its grant or secret id is not a string.');
      const actor = (act as { sub?: unknown } | undefined)?.sub;
      if (
        (act !== undefined && (typeof actor !== 'string' || !isAthleteId(actor))) ||
        (did !== undefined && typeof did !== 'string') ||
        (ptk !== undefined && typeof ptk !== 'string')
      )
        throw invalid('claims', 'Its delegation claims are not valid.');
      const claims: SignedClaims = {
        sub,
        jti,
        scope: scope ?? '',
        aud,
        iss: iss ?? '',
        gid,
        csid,
        act: actor as string | undefined,
        did: did as string | undefined,
        ptk: ptk as string | undefined,
      };
      // `exp` and `kid` are required to verify at all (requiredClaims, verificationKeyFor).
      return { claims, kid: protectedHeader.kid!, expS: payload.exp! };
    } catch (error) {
      throw fromJoseError(error);
    }
  }

  private verificationKeyFor(header: JWTHeaderParameters) {
    const key = header.kid === undefined ? undefined : this.signingKeys.findVerificationKey(header.kid);
    if (!key) throw invalid('signing_key', 'It was signed with a key this server does not hold.');
    return key;
  }

  private async verifyLegacy(bearer: string): Promise<VerifiedToken> {
    const row = await this.repository.findLegacyAuthBySha256(sha256Hex(bearer));
    if (!row) throw invalid('unknown', 'It is not a key of this server.');
    if (row.revokedAtS !== null) throw revoked(row.revokedAtS);
    await this.noteUse(row.id);
    return {
      athleteId: row.athleteId,
      // Legacy keys predate scopes and have always had full access.
      scopes: [...DEFAULT_SCOPES],
      tokenId: row.id,
      kind: 'legacy',
    };
  }

  /**
   * Records `last_used_at` at most once per resolution per key and process, so most verifies write
   * nothing. Awaited (not fire-and-forget) so that no write is in flight when the store closes.
   */
  private async noteUse(tokenId: string): Promise<void> {
    const nowMs = this.now().getTime();
    const writtenMs = this.lastUsedWrittenMs.get(tokenId);
    if (writtenMs !== undefined && nowMs - writtenMs < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWrittenMs.set(tokenId, nowMs);
    await this.repository.touchLastUsed(tokenId, nowMs / 1000);
  }
}

function chooseScopes(asked: readonly string[] | undefined): PersonalKeyScope[] {
  if (asked === undefined) return [...DEFAULT_SCOPES];
  const unknown = asked.filter((s) => !(PERSONAL_KEY_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || asked.length === 0) {
    throw new PeakformError(
      'ERR_TOKEN_SCOPE_INVALID',
      `${unknown.length > 0 ? `Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}` : 'No scope given'}: a personal API key takes one or more of ${PERSONAL_KEY_SCOPES.join(', ')}.`,
      400,
      { unknown, valid: [...PERSONAL_KEY_SCOPES] },
    );
  }
  // Canonical order, once each, so equal grants read the same.
  return PERSONAL_KEY_SCOPES.filter((s) => asked.includes(s));
}

const RENEW_HINT = 'Create a new API key with `peakform token create`.';

function invalid(reason: InvalidReason, why: string): PeakformError {
  return new PeakformError('ERR_AUTH_INVALID', `The API key is not valid: ${why} ${RENEW_HINT}`, 401, {
    reason,
  });
}

function revoked(revokedAtS: number): PeakformError {
  return new PeakformError(
    'ERR_AUTH_REVOKED',
    `The API key was revoked at ${isoUtc(revokedAtS)}. ${RENEW_HINT}`,
    401,
  );
}

/** jose's errors → our stable codes; anything else is our bug and passes through. */
function fromJoseError(error: unknown): unknown {
  if (error instanceof PeakformError) return error;
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    return new PeakformError(
      'ERR_AUTH_EXPIRED',
      `The API key expired${typeof exp === 'number' ? ` at ${isoUtc(exp)}` : ''}. ${RENEW_HINT}`,
      401,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'iss'
      ? invalid('issuer', 'It was issued by another server.')
      : invalid('claims', `Its "${error.claim}" claim is missing or wrong.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return invalid('algorithm', `It is not signed with ${SIGNING_ALGORITHM}.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalid('signature', 'Its signature does not match its content.');
  }
  if (error instanceof errors.JOSEError) return invalid('malformed', 'It is not a well-formed JWT.');
  return error;
}

function assertAthleteId(athleteId: string): void {
  if (!isAthleteId(athleteId)) {
    throw new PeakformError(
      'ERR_ATHLETE_ID_INVALID',
      `"${athleteId}" is not a valid athlete id: use 1–64 letters, digits, "_" or "-", starting with a letter or digit.`,
    );
  }
}
