import { LastfmError, type LastfmClient, type NowPlaying, type Params, type ScrobbleItem, type TagTarget } from '../index';

/** A track named the way the forms and Last.fm name it. */
export interface TrackRef {
  artist: string;
  track: string;
}

/**
 * The Last.fm client bound to one signed-in person: the session key is filled in here and never
 * handed out. When Last.fm says the key no longer works (revoked on last.fm), `onRevoked` signs the
 * person out here before the error reaches the caller.
 */
export class SignedInClient {
  constructor(
    private readonly client: LastfmClient,
    private readonly key: string,
    /** The signed-in person's Last.fm user name. */
    readonly name: string,
    private readonly onRevoked: () => Promise<void>,
  ) {}

  love({ artist, track }: TrackRef): Promise<void> {
    return this.guard(() => this.client.love(this.key, artist, track));
  }

  unlove({ artist, track }: TrackRef): Promise<void> {
    return this.guard(() => this.client.unlove(this.key, artist, track));
  }

  updateNowPlaying(playing: NowPlaying): ReturnType<LastfmClient['updateNowPlaying']> {
    return this.guard(() => this.client.updateNowPlaying(this.key, playing));
  }

  /** One scrobble or many (sent oldest first, 50 to a call). */
  scrobble(items: ScrobbleItem | readonly ScrobbleItem[]): ReturnType<LastfmClient['scrobble']> {
    const list = Array.isArray(items) ? (items as readonly ScrobbleItem[]) : [items as ScrobbleItem];
    return this.guard(() => this.client.scrobble(this.key, list));
  }

  addTags(target: TagTarget, tags: readonly string[]): Promise<void> {
    return this.guard(() => this.client.addTags(this.key, target, tags));
  }

  removeTag(target: TagTarget, tag: string): Promise<void> {
    return this.guard(() => this.client.removeTag(this.key, target, tag));
  }

  getProfile(): ReturnType<LastfmClient['getProfile']> {
    return this.guard(() => this.client.getProfile(this.name));
  }

  getRecentTracks(limit?: number): ReturnType<LastfmClient['getRecentTracks']> {
    return this.guard(() => this.client.getRecentTracks(this.name, limit));
  }

  getTopTags(limit?: number): ReturnType<LastfmClient['getTopTags']> {
    return this.guard(() => this.client.getTopTags(this.name, limit));
  }

  /** Any other signed method, with this person's key (a POST; tried once unless `retry` says otherwise). */
  call(method: string, params: Params = {}, options: Parameters<LastfmClient['call']>[2] = {}): ReturnType<LastfmClient['call']> {
    return this.guard(() => this.client.call(method, { ...params, sk: this.key }, options));
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof LastfmError && error.revoked) await this.onRevoked();
      throw error;
    }
  }
}
