import { MemoryStore, type SessionData, type Store } from 'express-session';
import type { Config } from '../config';
import type { SessionBackend, SignOutRegistry } from './backend';
import { signOutsFailingAsStore, userKey } from './backend';
import { EncryptedStore } from './encrypted-store';
import { sealerFor } from './key-sealer';
import type { UpdatingStore } from './still-stored';

/**
 * express-session's MemoryStore, with the check and the write of `update` in one synchronous
 * step, so no sign-out can land between them.
 */
export class MemorySessionStore extends MemoryStore implements UpdatingStore {
  update(sid: string, session: SessionData, callback: (err: unknown, written?: boolean) => void): void {
    if (!this.stored(sid)) {
      setImmediate(callback, null, false);
      return;
    }
    this.set(sid, session, (error: unknown) => callback(error, !error));
  }

  has(sid: string, callback: (err: unknown, present?: boolean) => void): void {
    setImmediate(callback, null, this.stored(sid));
  }

  touchIfStored(sid: string, session: SessionData, callback: (err: unknown, present?: boolean) => void): void {
    // MemoryStore's touch drops a session found expired, so whether it is there afterwards is the answer.
    this.touch(sid, session, (error?: unknown) => callback(error ?? null, this.stored(sid)));
  }

  private stored(sid: string): boolean {
    // MemoryStore keeps sessions in this object (by id, as JSON); its type declarations leave it out.
    const sessions = (this as unknown as { sessions: Record<string, string | undefined> }).sessions;
    return sessions[sid] !== undefined;
  }
}

/** For tests and throwaway demos: everything ends with the process. */
export function createMemoryBackend(config: Config, inner?: Store): SessionBackend {
  return {
    kind: 'memory',
    // A store handed in (tests: one that fails or hangs) may wait like any other.
    store: new EncryptedStore(inner ?? new MemorySessionStore(), sealerFor(config), inner === undefined ? 'in-process' : undefined),
    inProcess: inner === undefined,
    signOuts: signOutsFailingAsStore(new MemorySignOuts(config.session.ttlMs)),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

class MemorySignOuts implements SignOutRegistry {
  private readonly marks = new Map<string, { at: number; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  signedOutAt(name: string): Promise<number | undefined> {
    const mark = this.marks.get(userKey(name));
    if (mark !== undefined && mark.expires <= Date.now()) this.marks.delete(userKey(name));
    return Promise.resolve(mark !== undefined && mark.expires > Date.now() ? mark.at : undefined);
  }

  record(name: string, at: number): Promise<void> {
    const previous = this.marks.get(userKey(name))?.at ?? 0;
    this.marks.set(userKey(name), { at: Math.max(previous, at), expires: Date.now() + this.ttlMs });
    return Promise.resolve();
  }
}
