import { chmod, mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { temporaryPathFor } from './lake.ts';

/** The one signing algorithm: what SweatStack uses and what the official clients expect (WIRE.md §5.1). */
export const SIGNING_ALGORITHM = 'RS256';
const MODULUS_BITS = 2048;
const KEYS_FOLDER = 'keys';
const KEY_FILE_SUFFIX = '.json';
const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_FOLDER_MODE = 0o700;

/** What one key file under `<dataDir>/keys/` holds. */
interface KeyFile {
  kid: string;
  /** ISO 8601; the newest active key signs. */
  created_at: string;
  /** ISO 8601 once retired: a retired key neither signs nor verifies, and leaves the JWKS. */
  retired_at: string | null;
  /** The private key as a JWK (RFC 7517) carrying `kid`, `alg` and `use`. */
  jwk: JWK;
}

export interface SigningKey {
  kid: string;
  createdAt: string;
  retiredAt: string | null;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half (`kty`, `n`, `e`, `kid`, `alg`, `use`), as published in the JWKS. */
  publicJwk: JWK;
}

/**
 * The JWT signing keys of a data dir, one file per key in `<dataDir>/keys/<kid>.json` (mode 0600,
 * written temp + fsync + rename). The `kid` is the key's RFC 7638 thumbprint. Several keys coexist
 * so that a rotation keeps verifying what the old key signed: the newest active key signs, every
 * non-retired key verifies. The first key is created on first open. Callers must own the data dir
 * (the Store's DuckDB lock guarantees one process per data dir).
 */
export class SigningKeys {
  private constructor(
    private readonly folder: string,
    private keys: SigningKey[],
  ) {}

  static async open(dataDir: string): Promise<SigningKeys> {
    const folder = join(dataDir, KEYS_FOLDER);
    await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    const keys = await readKeyFiles(folder);
    const signingKeys = new SigningKeys(folder, keys);
    if (!keys.some((key) => key.retiredAt === null)) await signingKeys.rotate();
    return signingKeys;
  }

  /** The key that signs new tokens: the newest active one. */
  get signer(): SigningKey {
    const signer = this.activeKeys()[0];
    if (!signer) throw new Error('No active signing key (SigningKeys keeps at least one).');
    return signer;
  }

  /** The public key for a token's `kid`, or undefined for an unknown or retired one. */
  findVerificationKey(kid: string): CryptoKey | undefined {
    return this.keys.find((key) => key.kid === kid && key.retiredAt === null)?.publicKey;
  }

  /** Every key, newest first, retired ones included (for admin listings). */
  list(): readonly SigningKey[] {
    return this.keys;
  }

  /** The public JWKS of the keys that verify, for `/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet {
    return { keys: this.activeKeys().map((key) => ({ ...key.publicJwk })) };
  }

  /** The active private JWKs, signer first (the form `oidc-provider`'s `jwks` option takes). */
  async exportPrivateJwks(): Promise<JSONWebKeySet> {
    const keys: JWK[] = [];
    for (const key of this.activeKeys()) keys.push((await readKeyFile(this.pathFor(key.kid))).jwk);
    return { keys };
  }

  /** Adds a new key, which signs from now on; the older keys keep verifying. Returns its kid. */
  async rotate(): Promise<string> {
    const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
      modulusLength: MODULUS_BITS,
      extractable: true,
    });
    const exported = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(exported);
    // Strictly after the current signer, so that two rotations within a millisecond still order.
    const newestMs = this.keys[0] ? Date.parse(this.keys[0].createdAt) : 0;
    const file: KeyFile = {
      kid,
      created_at: new Date(Math.max(Date.now(), newestMs + 1)).toISOString(),
      retired_at: null,
      jwk: { ...exported, kid, alg: SIGNING_ALGORITHM, use: 'sig' },
    };
    await writeKeyFile(this.pathFor(kid), file);
    this.keys = sortNewestFirst([await importKeyFile(file), ...this.keys]);
    return kid;
  }

  /**
   * Stops a key from verifying (after a compromise, or once the tokens it signed are gone). The
   * file stays, marked retired, so that the history of kids remains readable.
   */
  async retire(kid: string): Promise<void> {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`No signing key ${kid}.`);
    if (key.retiredAt !== null) return;
    if (this.activeKeys().length === 1) await this.rotate();
    const path = this.pathFor(kid);
    const file = await readKeyFile(path);
    const retiredAt = new Date().toISOString();
    await writeKeyFile(path, { ...file, retired_at: retiredAt });
    this.keys = this.keys.map((k) => (k.kid === kid ? { ...k, retiredAt } : k));
  }

  private activeKeys(): SigningKey[] {
    return this.keys.filter((key) => key.retiredAt === null);
  }

  private pathFor(kid: string): string {
    return join(this.folder, `${kid}${KEY_FILE_SUFFIX}`);
  }
}

async function readKeyFiles(folder: string): Promise<SigningKey[]> {
  const names = (await readdir(folder)).filter(
    // Temporaries of an interrupted write carry a marker after the suffix, so they never match.
    (name) => name.endsWith(KEY_FILE_SUFFIX),
  );
  const keys: SigningKey[] = [];
  for (const name of names) {
    const path = join(folder, name);
    // A key file copied in with looser permissions is tightened rather than trusted as is.
    await chmod(path, PRIVATE_FILE_MODE);
    keys.push(await importKeyFile(await readKeyFile(path)));
  }
  return sortNewestFirst(keys);
}

async function readKeyFile(path: string): Promise<KeyFile> {
  const file = JSON.parse(await readFile(path, 'utf8')) as Partial<KeyFile>;
  const jwk = file.jwk;
  if (typeof file.kid !== 'string' || typeof file.created_at !== 'string' || !jwk || jwk.kty !== 'RSA') {
    throw new Error(`The signing key file ${path} is not a Peakform RSA key file.`);
  }
  if ((await calculateJwkThumbprint(jwk)) !== file.kid) {
    throw new Error(`The signing key file ${path} names kid ${file.kid}, which is not its key's thumbprint.`);
  }
  return { kid: file.kid, created_at: file.created_at, retired_at: file.retired_at ?? null, jwk };
}

async function importKeyFile(file: KeyFile): Promise<SigningKey> {
  const { kty, n, e } = file.jwk;
  const publicJwk: JWK = { kty, n, e, kid: file.kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return {
    kid: file.kid,
    createdAt: file.created_at,
    retiredAt: file.retired_at,
    privateKey: (await importJWK(file.jwk, SIGNING_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, SIGNING_ALGORITHM)) as CryptoKey,
    publicJwk,
  };
}

/** Writes a key file so that a crash leaves the old file or the new one, never a torn or readable-by-others one. */
async function writeKeyFile(path: string, file: KeyFile): Promise<void> {
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  // The rename itself must survive a power loss, or the next open would sign with a new key.
  // (Windows cannot open a folder to flush it; NTFS journals the rename.)
  if (process.platform === 'win32') return;
  const folder = await open(join(path, '..'), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

function sortNewestFirst(keys: SigningKey[]): SigningKey[] {
  return keys.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.kid.localeCompare(b.kid));
}
