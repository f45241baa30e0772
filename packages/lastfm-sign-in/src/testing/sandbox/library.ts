/** What each sandbox user has done: loves, scrobbles, tags and now playing, in memory. */

export interface SandboxScrobble {
  artist: string;
  track: string;
  album: string | undefined;
  /** UTC seconds. */
  timestamp: number;
}

export interface SandboxNowPlaying {
  artist: string;
  track: string;
  album: string | undefined;
  /** Milliseconds, on the state's clock. */
  until: number;
}

export interface SandboxUserLibrary {
  loves: Set<string>;
  /** Oldest first. */
  scrobbles: SandboxScrobble[];
  nowPlaying: SandboxNowPlaying | undefined;
  /** "artist|…", "album|…" or "track|…" key → tags. */
  tags: Map<string, Set<string>>;
}

/** A user's library as a store keeps it. */
interface LibraryText {
  loves: string[];
  scrobbles: SandboxScrobble[];
  nowPlaying: SandboxNowPlaying | null;
  tags: [string, string[]][];
}

/** Bounds memory per user: older scrobbles are forgotten. */
const MAX_SCROBBLES = 5000;

/** Names compare case-insensitively on Last.fm. */
export function itemKey(...parts: string[]): string {
  return parts.map((part) => part.toLowerCase()).join('\u0000');
}

const emptyLibrary = (): SandboxUserLibrary => ({ loves: new Set(), scrobbles: [], nowPlaying: undefined, tags: new Map() });

export class SandboxLibrary {
  private readonly users = new Map<string, SandboxUserLibrary>();

  /** `used` hears of every user whose library is read or changed (the state loads it from its store first). */
  constructor(private readonly used: (user: string) => void = () => undefined) {}

  of(user: string): SandboxUserLibrary {
    this.used(user);
    let library = this.users.get(user);
    if (library === undefined) {
      library = emptyLibrary();
      this.users.set(user, library);
    }
    return library;
  }

  addScrobble(user: string, scrobble: SandboxScrobble): void {
    const { scrobbles } = this.of(user);
    scrobbles.push(scrobble);
    scrobbles.sort((a, b) => a.timestamp - b.timestamp);
    if (scrobbles.length > MAX_SCROBBLES) scrobbles.splice(0, scrobbles.length - MAX_SCROBBLES);
  }

  /** The user's library as text; undefined when there is nothing in it. */
  toText(user: string): string | undefined {
    const library = this.users.get(user);
    if (library === undefined || (library.loves.size === 0 && library.scrobbles.length === 0 && library.nowPlaying === undefined && library.tags.size === 0)) return undefined;
    const text: LibraryText = {
      loves: [...library.loves],
      scrobbles: library.scrobbles,
      nowPlaying: library.nowPlaying ?? null,
      tags: [...library.tags].map(([key, tags]) => [key, [...tags]]),
    };
    return JSON.stringify(text);
  }

  /** Replaces the user's library with one read from a store (undefined: an empty one). */
  install(user: string, text: string | undefined): void {
    if (text === undefined) {
      this.users.delete(user);
      return;
    }
    const parsed = JSON.parse(text) as LibraryText;
    this.users.set(user, {
      loves: new Set(parsed.loves),
      scrobbles: parsed.scrobbles.map((s) => ({ artist: s.artist, track: s.track, album: s.album ?? undefined, timestamp: s.timestamp })),
      nowPlaying: parsed.nowPlaying === null ? undefined : { ...parsed.nowPlaying, album: parsed.nowPlaying.album ?? undefined },
      tags: new Map(parsed.tags.map(([key, tags]) => [key, new Set(tags)])),
    });
  }
}
