import { withAttributes, type Answer, type Attributed, type Child, type Elements } from './answer';

/**
 * The shape of every answer the stand-in gives, as recorded from real Last.fm answers. Methods
 * decide what to answer; these functions alone decide how it looks, in XML and JSON alike.
 */

/** A write that succeeded: `<lfm status="ok"></lfm>`, `{}` in JSON. */
export const doneAnswer = (): Answer => ({});

export const tokenAnswer = (token: string): Answer => ({ token });

export interface SessionFacts {
  name: string;
  key: string;
  subscriber: boolean;
}

// `subscriber` is a number in this answer and a string elsewhere, as on Last.fm.
export const sessionAnswer = ({ name, key, subscriber }: SessionFacts): Answer => ({ session: { name, key, subscriber: subscriber ? 1 : 0 } });

export interface ProfileFacts {
  name: string;
  realname: string;
  url: string;
  avatarUrl: string;
  subscriber: boolean;
  /** UTC seconds. */
  registered: number;
  playcount: number;
  artistCount: number;
  albumCount: number;
  trackCount: number;
}

// Counts come as strings, `registered`'s text as a number, as in Last.fm's JSON.
export const userInfoAnswer = (user: ProfileFacts): Answer => ({
  user: {
    name: user.name,
    age: '0',
    subscriber: user.subscriber ? '1' : '0',
    realname: user.realname,
    bootstrap: '0',
    playcount: String(user.playcount),
    artist_count: String(user.artistCount),
    playlists: '0',
    track_count: String(user.trackCount),
    album_count: String(user.albumCount),
    image: imageList(user.avatarUrl),
    registered: withAttributes({ unixtime: String(user.registered) }, user.registered),
    country: 'None',
    gender: 'n',
    url: user.url,
    type: user.subscriber ? 'subscriber' : 'user',
  },
});

export interface RecentTrackFacts {
  artist: string;
  name: string;
  album: string | undefined;
  imageUrl: string;
  /** Only asked for with `extended=1`. */
  loved: boolean | undefined;
  /** UTC seconds; undefined for the track playing now. */
  playedAt: number | undefined;
}

export interface RecentTracksFacts {
  user: string;
  page: number;
  perPage: number;
  total: number;
  extended: boolean;
  tracks: RecentTrackFacts[];
}

export const recentTracksAnswer = ({ user, page, perPage, total, extended, tracks }: RecentTracksFacts): Answer => ({
  recenttracks: withAttributes(
    // An empty history has no pages: totalPages "0", as on Last.fm.
    { user, page: String(page), perPage: String(perPage), totalPages: String(Math.ceil(total / perPage)), total: String(total) },
    { track: tracks.map((track) => recentTrack(track, extended)) },
  ),
});

function recentTrack(track: RecentTrackFacts, extended: boolean): Child {
  const elements: Elements = {
    artist: extended ? { url: '', name: track.artist, image: imageList(undefined), mbid: '' } : withAttributes({ mbid: '' }, track.artist),
    streamable: '0',
    image: imageList(track.imageUrl),
    mbid: '',
    // A track without an album still has one, empty: `{"mbid":"","#text":""}`.
    album: withAttributes({ mbid: '' }, track.album ?? ''),
    name: track.name,
    url: '',
    ...(track.loved === undefined ? {} : { loved: track.loved ? '1' : '0' }),
    ...(track.playedAt === undefined ? {} : { date: withAttributes({ uts: String(track.playedAt) }, playedAtText(track.playedAt)) }),
  };
  return track.playedAt === undefined ? withAttributes({ nowplaying: 'true' }, elements) : elements;
}

/** "23 Nov 2026, 12:00", as Last.fm writes the date of a scrobble. */
function playedAtText(seconds: number): string {
  const [, day, month, year, time] = /^\w+, (\d+) (\w+) (\d+) (\d\d:\d\d)/.exec(new Date(seconds * 1000).toUTCString()) ?? [];
  return `${day} ${month} ${year}, ${time}`;
}

export interface TopTagFacts {
  name: string;
  count: number;
}

export const topTagsAnswer = (user: string, tags: TopTagFacts[]): Answer => ({
  toptags: withAttributes({ user }, { tag: tags.map(({ name, count }) => ({ name, count: String(count), url: tagUrl(name) })) }),
});

/** Where Last.fm has a page for a tag: spaces become `+` there. */
function tagUrl(tag: string): string {
  return `https://www.last.fm/tag/${encodeURIComponent(tag).replace(/%20/g, '+')}`;
}

export interface ScrobbleFacts {
  artist: string;
  track: string;
  album: string | undefined;
  timestamp: number;
  /** 0 accepted; otherwise why it was ignored (Last.fm's ignoredMessage codes). */
  ignoredCode: number;
}

const IGNORED_MESSAGES = ['', 'Artist was ignored', 'Track was ignored', 'Timestamp was too old', 'Timestamp was too new', 'Daily scrobble limit exceeded'];

// The counts are numbers in JSON here, unlike most of Last.fm's counts.
export const scrobblesAnswer = (scrobbles: ScrobbleFacts[]): Answer => {
  const accepted = scrobbles.filter((scrobble) => scrobble.ignoredCode === 0).length;
  return {
    scrobbles: withAttributes(
      { accepted, ignored: scrobbles.length - accepted },
      {
        scrobble: scrobbles.map((scrobble) => ({
          ...echoed(scrobble),
          timestamp: String(scrobble.timestamp),
          ignoredMessage: ignoredMessage(scrobble.ignoredCode),
        })),
      },
    ),
  };
};

export const nowPlayingAnswer = (playing: { artist: string; track: string; album: string | undefined }): Answer => ({
  nowplaying: { ...echoed(playing), ignoredMessage: ignoredMessage(0) },
});

/** Names as Last.fm echoes them: `corrected` says whether it changed them (the stand-in never does). */
function echoed({ artist, track, album }: { artist: string; track: string; album: string | undefined }): Elements {
  const echo = (value: string | undefined): Attributed => withAttributes({ corrected: '0' }, value ?? '');
  return { artist: echo(artist), track: echo(track), album: echo(album), albumArtist: echo(undefined) };
}

const ignoredMessage = (code: number): Attributed => withAttributes({ code: String(code) }, IGNORED_MESSAGES[code] ?? '');

/** Last.fm's image list: one entry per size, the URL as text (empty when there is none). */
function imageList(url: string | undefined): Child[] {
  return ['small', 'medium', 'large', 'extralarge'].map((size) => withAttributes({ size }, url ?? ''));
}
