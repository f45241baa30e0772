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

/** Bounds memory per user: older scrobbles are forgotten. */
const MAX_SCROBBLES = 5000;

/** Names compare case-insensitively on Last.fm. */
export function itemKey(...parts: string[]): string {
  return parts.map((part) => part.toLowerCase()).join('\u0000');
}

export class SandboxLibrary {
  private readonly users = new Map<string, SandboxUserLibrary>();

  of(user: string): SandboxUserLibrary {
    let library = this.users.get(user);
    if (library === undefined) {
      library = { loves: new Set(), scrobbles: [], nowPlaying: undefined, tags: new Map() };
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
}
