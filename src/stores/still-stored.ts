import type { SessionData, Store } from 'express-session';

/**
 * Writes that a sign-out wins. A request that loaded a session before POST /auth/logout destroyed
 * it must not write it back when it finishes (its save would undo the sign-out), so such a
 * session is only ever updated in place, never created again.
 */
export interface UpdatingStore {
  /** Writes the session only if `sid` is still stored, in one step; says whether it was. */
  update(sid: string, session: SessionData, callback: (err: unknown, written?: boolean) => void): void;
  /** Whether `sid` is stored. */
  has(sid: string, callback: (err: unknown, present?: boolean) => void): void;
  /** Pushes the expiry back only if `sid` is still stored, in one step; says whether it was. Reads only `session.cookie`. */
  touchIfStored(sid: string, session: SessionData, callback: (err: unknown, present?: boolean) => void): void;
}

export function isUpdating(store: Store): store is Store & UpdatingStore {
  const candidate = store as Partial<UpdatingStore>;
  return typeof candidate.update === 'function' && typeof candidate.has === 'function' && typeof candidate.touchIfStored === 'function';
}

/** Update-in-place on any store: atomic where the store offers it, else a read before the write. */
export function updateStored(store: Store, sid: string, session: SessionData, callback: (err: unknown, written?: boolean) => void): void {
  if (isUpdating(store)) {
    store.update(sid, session, callback);
    return;
  }
  hasStored(store, sid, (error, present) => {
    if (error || present !== true) {
      callback(error, false);
      return;
    }
    store.set(sid, session, (setError: unknown) => callback(setError, !setError));
  });
}

export function hasStored(store: Store, sid: string, callback: (err: unknown, present?: boolean) => void): void {
  if (isUpdating(store)) {
    store.has(sid, callback);
    return;
  }
  store.get(sid, (error: unknown, session?: SessionData | null) => callback(error, error ? undefined : session !== undefined && session !== null));
}

/**
 * The touch that ends a request, and the check that its session was not signed out meanwhile, as
 * one store call where the store offers it (one round trip instead of two on every page view).
 */
export function touchIfStored(store: Store, sid: string, session: SessionData, callback: (err: unknown, present?: boolean) => void): void {
  if (isUpdating(store)) {
    store.touchIfStored(sid, session, callback);
    return;
  }
  hasStored(store, sid, (error, present) => {
    if (error || present !== true || store.touch === undefined) {
      callback(error, present);
      return;
    }
    store.touch(sid, session, (touchError?: unknown) => callback(touchError, true));
  });
}

/**
 * Sessions whose end-of-request touch was already made by touchIfStored: express-session's own
 * touch of them is then answered at once instead of writing the same expiry again.
 */
const touched = new WeakSet<object>();

export function markTouched(session: object): void {
  touched.add(session);
}

/** Whether the session was touched already this request; the mark is used up. */
export function takeTouched(session: object): boolean {
  return touched.delete(session);
}

/** Sessions read from the store, as opposed to made fresh for this request. */
const loaded = new WeakSet<object>();

export function markLoaded(session: object): void {
  loaded.add(session);
}

export function wasLoaded(session: object): boolean {
  return loaded.has(session);
}
