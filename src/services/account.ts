import { isLastfmFailure, isRevokedKey, type LastfmClient, type LastfmFailure, type NowPlaying, type NowPlayingResult, type Profile, type RecentTrack, type ScrobbleItem, type TagTarget, type TopTag } from 'lastfm-sign-in';
import { AccessRevokedError, LastfmBusyError, LastfmError } from '../errors';
import type { CachedRead, UserReadCache } from '../lastfm/read-cache';
import { HELD_REASON } from '../outbox/delivery-outcome';
import type { OutboxPage, OutboxView, StoredScrobble } from '../outbox/outbox-store';
import type { ScrobbleOutbox } from '../outbox/scrobble-outbox';

/** Who is signed in, as far as Last.fm calls go; the key never leaves the server. */
export interface AccountUser {
  name: string;
  key: string;
}

/** How many of each the home page shows. */
export const HOME_LIMITS = { recentTracks: 10, topTags: 20, outboxItems: 20 } as const;

/** One read of the home page: its value, or the failure that kept it, so the other parts still show. */
export type HomePart<T> = { read: CachedRead<T> } | { failure: LastfmFailure };

/** Everything the signed-in home page is built from. */
export interface AccountHome {
  /** Changes with every write, so a page built from older reads is never taken for a fresh one. */
  version: number;
  profile: HomePart<Profile>;
  recent: HomePart<RecentTrack[]>;
  tags: HomePart<TopTag[]>;
  outbox: OutboxView;
}

/**
 * A signed-in person's reads and writes. Reads go through the shared cache; every write, and every
 * failed call that may have been carried out, makes the person's cached reads stale; a key Last.fm
 * has revoked becomes an AccessRevokedError, with the scrobbles the outbox now holds for later.
 */
export class AccountService {
  constructor(private readonly deps: { lastfm: LastfmClient; cache: UserReadCache; outbox: ScrobbleOutbox }) {}

  /** The person's account, with calls logged under `requestId` and counted against `caller` (see routes/caller.ts). */
  of(user: AccountUser, call: { requestId: string | undefined; caller: string }): Account {
    // Made when the first call is: most page views are answered from the cache and call nobody.
    let client: LastfmClient | undefined;
    const lastfm = (): LastfmClient => (client ??= this.deps.lastfm.forRequest(call.requestId, call.caller));
    return new Account(user, lastfm, this.deps.cache, this.deps.outbox);
  }

  /** Every sign-in ends here: scrobbles held for a revoked key go again with the new one. */
  signedIn(user: AccountUser): Promise<void> {
    return this.deps.outbox.resume(user);
  }
}

export class Account {
  constructor(
    private readonly user: AccountUser,
    /** This request's client, made on first use. */
    private readonly lastfm: () => LastfmClient,
    private readonly cache: UserReadCache,
    private readonly outbox: ScrobbleOutbox,
  ) {}

  /** The home page's reads, each standing or falling alone: a failed profile read must not blank the tracks. */
  async home(outboxPage = 1): Promise<AccountHome> {
    const { name } = this.user;
    const reads = await this.cache.open(name);
    const [outbox, profile, recent, tags] = await Promise.all([
      this.outbox.view(name, { offset: (outboxPage - 1) * HOME_LIMITS.outboxItems, limit: HOME_LIMITS.outboxItems }),
      this.part(() => reads.get('profile', () => this.lastfm().getProfile(name))),
      this.part(() => reads.get('recent', () => this.lastfm().getRecentTracks(name, HOME_LIMITS.recentTracks))),
      this.part(() => reads.get('tags', () => this.lastfm().getTopTags(name, HOME_LIMITS.topTags))),
    ]);
    // A revoked key ends the session: that page shows, not a half-empty home.
    return { version: reads.version, profile: settled(profile), recent: settled(recent), tags: settled(tags), outbox };
  }

  love(artist: string, track: string, loved: boolean): Promise<void> {
    return this.write(() => (loved ? this.lastfm().love(this.user.key, artist, track) : this.lastfm().unlove(this.user.key, artist, track)));
  }

  nowPlaying(playing: NowPlaying): Promise<NowPlayingResult> {
    return this.write(() => this.lastfm().updateNowPlaying(this.user.key, playing));
  }

  addTags(target: TagTarget, tags: string[]): Promise<void> {
    return this.write(() => this.lastfm().addTags(this.user.key, target, tags));
  }

  removeTag(target: TagTarget, tag: string): Promise<void> {
    return this.write(() => this.lastfm().removeTag(this.user.key, target, tag));
  }

  /**
   * Queues the scrobbles and waits a short while for Last.fm's answer; what it has not answered
   * yet stays queued. Scrobbles held because the key was revoked make an AccessRevokedError.
   */
  async scrobble(items: ScrobbleItem[]): Promise<StoredScrobble[]> {
    const ids = await this.outbox.queue(this.user, items);
    const scrobbles = await this.outbox.answer(this.user.name, ids);
    const held = scrobbles.filter((item) => item.state === 'queued' && item.reason === HELD_REASON).length;
    if (held > 0) {
      await this.cache.invalidate(this.user.name);
      throw new AccessRevokedError({ held });
    }
    return scrobbles;
  }

  /** Where the person stands under the daily limit on scrobbles (LASTFM_DAILY_SCROBBLES). */
  dailyLimit(): Promise<{ limit: number; sentInLast24h: number; waitUntil: number | undefined }> {
    return this.outbox.dailyState(this.user.name);
  }

  /** One page of what waits in the outbox and what was answered, newest first. */
  scrobbles(page: OutboxPage): Promise<OutboxView> {
    return this.outbox.view(this.user.name, page);
  }

  private async write<T>(work: () => Promise<T>): Promise<T> {
    const result = await this.call(work);
    await this.cache.invalidate(this.user.name);
    return result;
  }

  private part<T>(load: () => Promise<CachedRead<T>>): Promise<HomePart<T> | { revoked: AccessRevokedError }> {
    // Chained, not awaited inside another async function: three of these run on every page view.
    return this.call(load).then(
      (read) => ({ read }),
      (error: unknown) => {
        if (error instanceof AccessRevokedError) return { revoked: error };
        if (!isLastfmFailure(error)) throw error;
        return { failure: error };
      },
    );
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isLastfmFailure(error)) throw error;
      // A failed write may still have been carried out (a timed-out scrobble): the next page must
      // ask Last.fm afresh. A call the scheduler never sent changed nothing.
      if (!(error instanceof LastfmBusyError)) await this.cache.invalidate(this.user.name);
      if (error instanceof LastfmError && isRevokedKey(error)) throw new AccessRevokedError({ cause: error });
      throw error;
    }
  }
}

/** A part of the home page, once every part has settled: the first revoked key ends the page. */
function settled<T>(part: HomePart<T> | { revoked: AccessRevokedError }): HomePart<T> {
  if ('revoked' in part) throw part.revoked;
  return part;
}
