import { randomBytes } from 'node:crypto';
import { makeRoom, setNewest } from '../../core/bounded-map';
import { TOKEN_LIFETIME_MS } from '../../core/protocol-limits';
import { SandboxApiError } from './api-error';
import { SandboxCallCounter } from './call-counter';
import { DEMO_ACCOUNTS, type DemoAccount } from './credentials';
import { SandboxFaults } from './faults';
import { SandboxLibrary } from './library';
import type { SandboxRecordKind, SandboxRecordWrite, SandboxStore } from './store';

/** How long an open authorize page stays usable. */
const AUTHORIZATION_LIFETIME_MS = 30 * 60 * 1000;
/** Bounds memory (and a store) when something hammers auth.getToken. */
export const MAX_TOKENS = 50_000;
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

/** What the store held for a record when the call read it; both undefined when it was absent. */
interface ReadRecord {
  value: string | undefined;
  version: number | undefined;
}

/** One call's work against a store: the records it has read, and the one it needs next. */
interface Pass {
  read: Map<string, ReadRecord>;
  missing: string | undefined;
}

/** Thrown through a call when it reaches a record not read yet: the call is run again once it is. Never leaves transact. */
class RecordNotRead extends Error {
  override readonly name = 'RecordNotRead';
}
const NEEDS_RECORD = new RecordNotRead('the call needs a record it has not read yet');
/** Runs of one call that lost a race for a record before it answers error 16, as Last.fm does when busy. */
const MAX_RUNS = 20;
/** Longer than any token, session key or request id the stand-in hands out: such a name was never issued. */
const MAX_ID_LENGTH = 128;
/** The caps a store applies too; libraries are one per demo account. */
const LIMITS: Readonly<Record<SandboxRecordKind, number | undefined>> = { key: MAX_SESSION_KEYS, token: MAX_TOKENS, authorization: MAX_AUTHORIZATIONS, library: undefined };
const ABSENT: ReadRecord = { value: undefined, version: undefined };

/**
 * Everything the stand-in remembers, in memory. `now` is injectable so tests can age tokens, and
 * `newSecret` (tokens and session keys) so two stand-ins can be made to give the same answers.
 * With a `store`, the tokens, session keys, open authorize pages and libraries live there and
 * the maps below only hold what the calls under way have read (see store.ts); the outage switch,
 * faults and call counts stay with this process.
 */
export class SandboxState {
  readonly tokens = new Map<string, SandboxToken>();
  readonly sessionKeys = new Map<string, string>();
  readonly authorizations = new Map<string, PendingAuthorization>();
  /** Per-user loves, scrobbles, tags and now playing. */
  readonly library = new SandboxLibrary((user) => this.use('library', user));
  /** Failures planned for the next web service calls (tests set these). */
  readonly faults = new SandboxFaults();
  /** Told to be down (the sandbox page's switch): every web service call gets error 11 until it is back. */
  outage = false;
  /** Web service calls received, per method (faulty ones included). */
  readonly calls = new SandboxCallCounter();
  /** Where avatars and cover art are served (absolute, ending in `/`). */
  imageBaseUrl = 'http://127.0.0.1/assets/images/';

  /** The call running now against the store, while it runs (calls run one at a time between reads). */
  private pass: Pass | undefined;

  constructor(
    readonly now: () => number = Date.now,
    private readonly newSecret: () => string = randomHex,
    private readonly store?: SandboxStore,
  ) {}

  /**
   * Runs one call's work (a web service method, an authorize page's decision). Without a store it
   * simply runs. With one, each record the work uses is read from the store first (the work is
   * run again each time it reaches one not read yet), and what it changed is written back only
   * if nobody changed those records meanwhile; otherwise it runs again on what they hold now.
   * A call that fails (throws) writes nothing.
   */
  async transact<T>(work: () => T): Promise<T> {
    const store = this.store;
    if (store === undefined) return work();
    const read = new Map<string, ReadRecord>();
    for (let run = 0; run < MAX_RUNS; ) {
      const pass: Pass = { read, missing: undefined };
      for (const [name, record] of read) this.install(name, record.value);
      let outcome: { value: T } | undefined;
      this.pass = pass;
      try {
        outcome = { value: work() };
      } catch (error) {
        if (error !== NEEDS_RECORD) {
          for (const [name, record] of read) this.install(name, record.value);
          throw error;
        }
      } finally {
        this.pass = undefined;
      }
      if (outcome === undefined) {
        if (pass.missing !== undefined) await readInto(store, read, [pass.missing]);
        continue;
      }
      const writes = this.changesSince(read);
      if (writes.length === 0 || (await store.write(writes))) return outcome.value;
      run += 1;
      await readInto(store, read, [...read.keys()]);
    }
    throw new SandboxApiError(16, 'There was a temporary error processing your request. Please try again');
  }

  account(nameOrEmail: string): DemoAccount | undefined {
    const wanted = nameOrEmail.toLowerCase();
    return DEMO_ACCOUNTS.find((account) => account.name.toLowerCase() === wanted || account.email.toLowerCase() === wanted);
  }

  issueToken(approvedBy?: string): string {
    this.pruneTokens();
    const token = this.newSecret();
    this.tokens.set(token, { createdAt: this.now(), approvedBy, consumed: false });
    this.created('token', token);
    return token;
  }

  /** A token that can still be shown on the authorize page. */
  isTokenOpen(token: string): boolean {
    this.use('token', token);
    const entry = this.tokens.get(token);
    return entry !== undefined && !entry.consumed && !this.isExpired(entry);
  }

  approveToken(token: string, user: string): boolean {
    this.use('token', token);
    const entry = this.tokens.get(token);
    if (entry === undefined || entry.consumed || this.isExpired(entry)) return false;
    entry.approvedBy = user;
    return true;
  }

  /** auth.getSession's rules: unknown 4, expired or spent 15, not approved yet 14; success spends it. */
  redeemToken(token: string): TokenCheck {
    this.use('token', token);
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
    this.created('key', key);
    return key;
  }

  openAuthorization(request: Omit<PendingAuthorization, 'createdAt'>): string {
    makeRoom(this.authorizations, MAX_AUTHORIZATIONS, (pending) => this.now() - pending.createdAt > AUTHORIZATION_LIFETIME_MS);
    const id = randomBytes(24).toString('base64url');
    this.authorizations.set(id, { ...request, createdAt: this.now() });
    this.created('authorization', id);
    return id;
  }

  /** Single use: the entry is gone whether or not it was still fresh. */
  takeAuthorization(id: string): PendingAuthorization | undefined {
    this.use('authorization', id);
    const pending = this.authorizations.get(id);
    this.authorizations.delete(id);
    if (pending === undefined || this.now() - pending.createdAt > AUTHORIZATION_LIFETIME_MS) return undefined;
    return pending;
  }

  /** The user a session key belongs to; Last.fm answers 9 for any other key. */
  userOfSessionKey(sk: string | undefined): string {
    if (sk !== undefined) this.use('key', sk);
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

  /** A record the running call reads: from the store, before the call may go on. */
  private use(kind: SandboxRecordKind, id: string): void {
    const pass = this.pass;
    const name = `${kind}:${id}`;
    if (pass === undefined || pass.read.has(name)) return;
    if (id.length > MAX_ID_LENGTH) {
      pass.read.set(name, ABSENT);
      this.install(name, undefined);
      return;
    }
    pass.missing = name;
    throw NEEDS_RECORD;
  }

  /** A record the running call has just made under a fresh random name: nobody else has it. */
  private created(kind: SandboxRecordKind, id: string): void {
    this.pass?.read.set(`${kind}:${id}`, ABSENT);
  }

  private changesSince(read: Map<string, ReadRecord>): SandboxRecordWrite[] {
    const writes: SandboxRecordWrite[] = [];
    for (const [name, record] of read) {
      const value = this.textOf(name);
      if (value === record.value) continue;
      const { kind, id } = split(name);
      writes.push({ name, kind, readVersion: record.version, value, expiresAt: value === undefined ? undefined : this.expiryOf(kind, id), keepAtMost: LIMITS[kind] });
    }
    return writes;
  }

  /** A record as this process holds it now, as text; undefined when it holds none. */
  private textOf(name: string): string | undefined {
    const { kind, id } = split(name);
    switch (kind) {
      case 'key':
        return this.sessionKeys.get(id);
      case 'token': {
        const entry = this.tokens.get(id);
        return entry === undefined ? undefined : JSON.stringify(entry);
      }
      case 'authorization': {
        const pending = this.authorizations.get(id);
        return pending === undefined ? undefined : JSON.stringify(pending);
      }
      case 'library':
        return this.library.toText(id);
    }
  }

  /** Puts a record read from the store in place of this process's copy (undefined: it has none). */
  private install(name: string, value: string | undefined): void {
    const { kind, id } = split(name);
    switch (kind) {
      case 'key':
        if (value === undefined) this.sessionKeys.delete(id);
        else setNewest(this.sessionKeys, id, value, MAX_SESSION_KEYS);
        return;
      case 'token':
        if (value === undefined) this.tokens.delete(id);
        else setNewest(this.tokens, id, JSON.parse(value) as SandboxToken, MAX_TOKENS);
        return;
      case 'authorization':
        if (value === undefined) this.authorizations.delete(id);
        else setNewest(this.authorizations, id, JSON.parse(value) as PendingAuthorization, MAX_AUTHORIZATIONS);
        return;
      case 'library':
        this.library.install(id, value);
    }
  }

  private expiryOf(kind: SandboxRecordKind, id: string): number | undefined {
    if (kind === 'token') {
      const entry = this.tokens.get(id);
      return entry === undefined ? undefined : entry.createdAt + TOKEN_LIFETIME_MS;
    }
    if (kind === 'authorization') {
      const pending = this.authorizations.get(id);
      return pending === undefined ? undefined : pending.createdAt + AUTHORIZATION_LIFETIME_MS;
    }
    return undefined;
  }
}

async function readInto(store: SandboxStore, read: Map<string, ReadRecord>, names: string[]): Promise<void> {
  const found = await store.read(names);
  for (const name of names) read.set(name, found.get(name) ?? ABSENT);
}

function split(name: string): { kind: SandboxRecordKind; id: string } {
  const colon = name.indexOf(':');
  return { kind: name.slice(0, colon) as SandboxRecordKind, id: name.slice(colon + 1) };
}
