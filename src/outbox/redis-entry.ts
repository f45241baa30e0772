import type { ScrobbleState, StoredScrobble } from './outbox-store';

/** One scrobble's hash in the Redis outbox, as strings ('' for a field not set). */
export interface EntryFields {
  /** The scrobble as the person sent it, with `user` and `queuedAt`, as JSON. */
  data: string;
  state: string;
  reason: string;
  unanswered: string;
  tries: string;
  settledAt: string;
}

const STATES: readonly ScrobbleState[] = ['queued', 'accepted', 'ignored', 'failed'];

/**
 * The stored scrobble, or undefined when its entry is gone or cannot be read: then the delivery
 * sets it aside instead of failing the person's whole claim.
 */
export function storedFrom(id: string, fields: EntryFields): StoredScrobble | undefined {
  let data: unknown;
  try {
    data = JSON.parse(fields.data);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { batch, artist, track, album, timestamp, user, queuedAt } = data as Record<string, unknown>;
  const state = STATES.find((known) => known === fields.state);
  if (typeof batch !== 'string' || typeof artist !== 'string' || typeof track !== 'string' || typeof user !== 'string') return undefined;
  if (typeof timestamp !== 'number' || typeof queuedAt !== 'number' || state === undefined) return undefined;
  if (album !== undefined && typeof album !== 'string') return undefined;
  return {
    id,
    batch,
    artist,
    track,
    album,
    timestamp,
    user,
    queuedAt,
    state,
    reason: fields.reason === '' ? undefined : fields.reason,
    unanswered: Number(fields.unanswered) || 0,
    tries: Number(fields.tries) || 0,
    settledAt: fields.settledAt === '' ? undefined : Number(fields.settledAt),
  };
}
