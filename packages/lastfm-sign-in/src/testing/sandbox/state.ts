import { randomBytes } from 'node:crypto';
import { makeRoom, setNewest } from '../../core/bounded-map';
import { TOKEN_LIFETIME_MS } from '../../core/protocol-limits';
import { SandboxApiError } from './api-error';
import { SandboxCallCounter } from './call-counter';
import { DEMO_ACCOUNTS, type DemoAccount } from './credentials';
import { SandboxFaults } from './faults';
import { SandboxLibrary } from './library';

/** How long an open authorize page stays usable. */
const AUTHORIZATION_LIFETIME_MS = 30 * 60 * 1000;
/** Bounds memory when something hammers auth.getToken. */
const MAX_TOKENS = 50_000;
/** Bounds memory when something reloads the authorize page in a loop. */
export const MAX_AUTHORIZATIONS = 50_000;
/**
 * Session keys never expire on Last.fm, but the stand-in's memory must be bounded: past this
 * many the oldest is forgotten, and its holder hears error 9 and signs in again.
 */
export const MAX_SESSION_KEYS = 50_000;

export interface SandboxToken {
  createdAt: number;
  /** The demo user who allowed access, once they have. */
  approvedBy: string | undefined;
  consumed: boolean;
}

/** An authorize page that was shown and not yet answered; its id is single-use, which also makes the form CSRF-safe. */
export interface PendingAuthorization {
  createdAt: number;
  callback: string | undefined;
  token: string | undefined;
}

export type TokenCheck = { ok: true; user: string } | { ok: false; code: 4 | 14 | 15 };

const randomHex = (): string => randomBytes(16).toString('hex');

/**
 * Everything the stand-in remembers, in memory. `now` is injectable so tests can age tokens, and
 * `newSecret` (tokens and session keys) so two stand-ins can be made to give the same answers.
 */
export class SandboxState {
  readonly tokens = new Map<string, SandboxToken>();
  readonly sessionKeys = new Map<string, string>();
  readonly authorizations = new Map<string, PendingAuthorization>();
  /** Per-user loves, scrobbles, tags and now playing. */
  readonly library = new SandboxLibrary();
  /** Failures planned for the next web service calls (tests set these). */
  readonly faults = new SandboxFaults();
  /** Told to be down (the sandbox page's switch): every web service call gets error 11 until it is back. */
  outage = false;
  /** Web service calls received, per method (faulty ones included). */
  readonly calls = new SandboxCallCounter();
  /** Where avatars and cover art are served (absolute, ending in `/`). */
  imageBaseUrl = 'http://127.0.0.1/assets/images/';

  constructor(
    readonly now: () => number = Date.now,
    private readonly newSecret: () => string = randomHex,
  ) {}

  account(nameOrEmail: string): DemoAccount | undefined {
    const wanted = nameOrEmail.toLowerCase();
    return DEMO_ACCOUNTS.find((account) => account.name.toLowerCase() === wanted || account.email.toLowerCase() === wanted);
  }

  issueToken(approvedBy?: string): string {
    this.pruneTokens();
    const token = this.newSecret();
    this.tokens.set(token, { createdAt: this.now(), approvedBy, consumed: false });
    return token;
  }

  /** A token that can still be shown on the authorize page. */
  isTokenOpen(token: string): boolean {
    const entry = this.tokens.get(token);
    return entry !== undefined && !entry.consumed && !this.isExpired(entry);
  }

  approveToken(token: string, user: string): boolean {
    const entry = this.tokens.get(token);
    if (entry === undefined || entry.consumed || this.isExpired(entry)) return false;
    entry.approvedBy = user;
    return true;
  }

  /** auth.getSession's rules: unknown 4, expired or spent 15, not approved yet 14; success spends it. */
  redeemToken(token: string): TokenCheck {
    const entry = this.tokens.get(token);
    if (entry === undefined) return { ok: false, code: 4 };
    if (entry.consumed || this.isExpired(entry)) return { ok: false, code: 15 };
    if (entry.approvedBy === undefined) return { ok: false, code: 14 };
    entry.consumed = true;
    return { ok: true, user: entry.approvedBy };
  }

  issueSessionKey(user: string): string {
    const key = this.newSecret();
    setNewest(this.sessionKeys, key, user, MAX_SESSION_KEYS);
    return key;
  }

  openAuthorization(request: Omit<PendingAuthorization, 'createdAt'>): string {
    makeRoom(this.authorizations, MAX_AUTHORIZATIONS, (pending) => this.now() - pending.createdAt > AUTHORIZATION_LIFETIME_MS);
    const id = randomBytes(24).toString('base64url');
    this.authorizations.set(id, { ...request, createdAt: this.now() });
    return id;
  }

  /** Single use: the entry is gone whether or not it was still fresh. */
  takeAuthorization(id: string): PendingAuthorization | undefined {
    const pending = this.authorizations.get(id);
    this.authorizations.delete(id);
    if (pending === undefined || this.now() - pending.createdAt > AUTHORIZATION_LIFETIME_MS) return undefined;
    return pending;
  }

  /** The user a session key belongs to; Last.fm answers 9 for any other key. */
  userOfSessionKey(sk: string | undefined): string {
    const user = sk === undefined ? undefined : this.sessionKeys.get(sk);
    if (user === undefined) throw new SandboxApiError(9, 'Invalid session key - Please re-authenticate');
    return user;
  }

  private isExpired(entry: SandboxToken): boolean {
    return this.now() - entry.createdAt > TOKEN_LIFETIME_MS;
  }

  /** Map order is creation order, so expired tokens sit at the front. */
  private pruneTokens(): void {
    makeRoom(this.tokens, MAX_TOKENS, (entry) => this.isExpired(entry));
  }
}
