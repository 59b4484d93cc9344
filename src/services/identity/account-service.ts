import { randomBytes } from 'node:crypto';
import { PeakformError } from '../../domain/errors.ts';
import { isAthleteId } from '../../domain/ids.ts';
import { IdentityRepository, type UserRow } from '../../store/identity-repository.ts';
import type { Store } from '../../store/store.ts';
import { LoginThrottle, type ThrottleLimits } from './login-throttle.ts';
import {
  DUMMY_HASH_PROMISE,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from './password.ts';

/** A person or managed athlete as the API shows them (WIRE.md §2.7). */
export interface Account {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  isManaged: boolean;
  managedBy: string | null;
  admin: boolean;
  /** Whether the account can sign in (has an email and password). */
  canSignIn: boolean;
  registeredAt: Date;
}

export interface SignUp {
  email: string;
  password: string;
  firstName?: string | null;
  lastName?: string | null;
  /** Give an existing athlete (data ingested by the CLI) a login; a new id otherwise. */
  athleteId?: string;
}

const MAX_NAME_LENGTH = 100;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/**
 * Users: athletes who sign in with an email and password, and managed athletes without a login
 * whom a coach creates. An athlete known only from ingested data (no `users` row) is an account
 * too, without a login, so that every token's subject resolves.
 */
export class AccountService {
  private readonly repository: IdentityRepository;
  private readonly throttle: LoginThrottle;

  constructor(store: Store, throttle?: ThrottleLimits) {
    this.repository = new IdentityRepository(store);
    this.throttle = new LoginThrottle(throttle);
  }

  async signUp(input: SignUp): Promise<Account> {
    const email = normalizeEmail(input.email);
    assertPassword(input.password);
    const id = input.athleteId ?? newUserId();
    if (!isAthleteId(id)) {
      throw new PeakformError('ERR_ATHLETE_ID_INVALID', `"${id}" is not a valid athlete id.`, 400);
    }
    if (await this.repository.findUserByEmail(email)) {
      throw new PeakformError('ERR_EMAIL_TAKEN', 'An account with this email exists: sign in instead.', 409);
    }
    if (await this.repository.findUser(id)) {
      throw new PeakformError('ERR_ACCOUNT_EXISTS', `Athlete ${id} already has an account.`, 409, { id });
    }
    await this.repository.insertUser({
      id,
      email,
      passwordHash: await hashPassword(input.password),
      firstName: cleanName(input.firstName, 'first_name'),
      lastName: cleanName(input.lastName, 'last_name'),
      isManaged: false,
      managedBy: null,
    });
    return this.get(id);
  }

  /**
   * The account with this email and password. Throttled per account and per address: past the
   * limit, attempts fail with 429 before the password is looked at. An unknown email costs the
   * same hashing time as a wrong password, so timing does not tell which emails exist.
   */
  async signIn(emailText: string, password: string, address: string): Promise<Account> {
    const email = emailText.trim().toLowerCase();
    const retryAfterS = this.throttle.retryAfterS(email, address);
    if (retryAfterS > 0) {
      throw new PeakformError(
        'ERR_LOGIN_THROTTLED',
        `Too many failed sign-ins. Try again in ${retryAfterS} s.`,
        429,
        { retryAfterS },
      );
    }
    const user = email.length > 0 ? await this.repository.findUserByEmail(email) : undefined;
    const matches =
      user?.passwordHash != null
        ? await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), user.passwordHash)
        : await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), await DUMMY_HASH_PROMISE()).then(
            () => false,
          );
    if (!user || !matches) {
      this.throttle.recordFailure(email, address);
      throw new PeakformError('ERR_LOGIN_FAILED', 'The email or password is wrong.', 401);
    }
    this.throttle.recordSuccess(email);
    return toAccount(user);
  }

  async setPassword(id: string, password: string): Promise<void> {
    assertPassword(password);
    await this.get(id);
    await this.repository.setPassword(id, await hashPassword(password));
  }

  /** The account of an athlete id: its user row, or a login-less account for a data-only athlete. */
  async get(id: string): Promise<Account> {
    const row = await this.repository.findUser(id);
    if (row) return toAccount(row);
    if (!isAthleteId(id)) throw notFound(id);
    return {
      id,
      email: null,
      firstName: null,
      lastName: null,
      displayName: id,
      isManaged: false,
      managedBy: null,
      admin: false,
      canSignIn: false,
      registeredAt: new Date(0),
    };
  }

  /** The user row of an id, if it has one (a data-only athlete has none). */
  async find(id: string): Promise<Account | undefined> {
    const row = await this.repository.findUser(id);
    return row && toAccount(row);
  }

  async createManaged(
    managerId: string,
    names: { firstName: string | null; lastName: string | null },
  ): Promise<Account> {
    const id = newUserId();
    await this.repository.insertUser({
      id,
      email: null,
      passwordHash: null,
      firstName: cleanName(names.firstName, 'first_name'),
      lastName: cleanName(names.lastName, 'last_name'),
      isManaged: true,
      managedBy: managerId,
    });
    return this.get(id);
  }

  async listManaged(managerId: string): Promise<Account[]> {
    return (await this.repository.listManagedUsers(managerId)).map(toAccount);
  }

  /** A managed user of this manager, else 404 (also for another coach's athlete). */
  async getManaged(managerId: string, id: string): Promise<Account> {
    const row = await this.repository.findUser(id);
    if (!row || row.managedBy !== managerId) throw notFound(id);
    return toAccount(row);
  }

  async rename(id: string, names: { firstName?: string | null; lastName?: string | null }): Promise<Account> {
    await this.repository.updateUserNames(id, {
      ...(names.firstName === undefined ? {} : { firstName: cleanName(names.firstName, 'first_name') }),
      ...(names.lastName === undefined ? {} : { lastName: cleanName(names.lastName, 'last_name') }),
    });
    return this.get(id);
  }

  async deleteRow(id: string): Promise<void> {
    await this.repository.deleteUserRow(id);
  }
}

function toAccount(row: UserRow): Account {
  const fullName = [row.firstName, row.lastName].filter((part) => part).join(' ');
  return {
    id: row.id,
    email: row.email,
    firstName: row.firstName,
    lastName: row.lastName,
    displayName: fullName || row.email?.split('@')[0] || row.id,
    isManaged: row.isManaged,
    managedBy: row.managedBy,
    admin: row.admin,
    canSignIn: row.email !== null && row.passwordHash !== null,
    registeredAt: new Date(row.registeredAtS * 1000),
  };
}

function newUserId(): string {
  return `u${randomBytes(8).toString('hex')}`;
}

export function normalizeEmail(text: string): string {
  const email = text.trim().toLowerCase();
  if (!EMAIL.test(email)) {
    throw new PeakformError('ERR_EMAIL_INVALID', `"${text.slice(0, 80)}" is not an email address.`, 400);
  }
  return email;
}

function assertPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new PeakformError(
      'ERR_PASSWORD_INVALID',
      `A password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`,
      400,
    );
  }
}

function cleanName(name: string | null | undefined, field: string): string | null {
  const trimmed = name?.trim() ?? '';
  if (trimmed.length > MAX_NAME_LENGTH) {
    throw new PeakformError(
      'ERR_REQUEST_INVALID',
      `${field} has at most ${MAX_NAME_LENGTH} characters.`,
      400,
    );
  }
  return trimmed === '' ? null : trimmed;
}

function notFound(id: string): PeakformError {
  return new PeakformError('ERR_USER_NOT_FOUND', `No user ${id} that you manage.`, 404, { id });
}
