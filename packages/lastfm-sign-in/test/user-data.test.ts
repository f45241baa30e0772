import { parseNowPlaying, parseProfile, parseRecentTracks, parseScrobbleResult, parseTopTags } from '../src/core/user-data';
import { LastfmUnavailableError } from '../src/core/errors';

describe('parseProfile', () => {
  it('reads string counts, the largest image, and registered.unixtime', () => {
    const profile = parseProfile({
      user: {
        name: 'rj',
        realname: 'Richard Jones',
        url: 'https://www.last.fm/user/rj',
        country: 'United Kingdom',
        playcount: '150316',
        image: [
          { size: 'small', '#text': 'https://lastfm.freetls.fastly.net/i/u/34s/a.png' },
          { size: 'extralarge', '#text': 'https://lastfm.freetls.fastly.net/i/u/300x300/a.png' },
        ],
        registered: { unixtime: '1037793040', '#text': 1037793040 },
      },
    });
    expect(profile).toEqual({
      name: 'rj',
      realName: 'Richard Jones',
      url: 'https://www.last.fm/user/rj',
      country: 'United Kingdom',
      playCount: 150316,
      avatarUrl: 'https://lastfm.freetls.fastly.net/i/u/300x300/a.png',
      registeredAt: 1037793040,
    });
  });

  it('copes with missing #text, empty images, "None" as a country and number counts', () => {
    const profile = parseProfile({ user: { name: 'x', realname: '', country: 'None', playcount: 7, image: [{ size: 'small' }, { size: 'large', '#text': '' }], registered: 1037793040 } });
    expect(profile).toMatchObject({ realName: undefined, country: undefined, playCount: 7, avatarUrl: undefined, registeredAt: 1037793040 });
  });

  it('keeps only http(s) URLs as the profile link and avatar', () => {
    const profile = parseProfile({
      user: {
        name: 'x',
        url: 'javascript:alert(document.cookie)',
        image: [{ size: 'small', '#text': 'https://lastfm.freetls.fastly.net/i/u/34s/a.png' }, { size: 'large', '#text': 'data:image/svg+xml,<svg/>' }],
      },
    });
    expect(profile).toMatchObject({ url: undefined, avatarUrl: 'https://lastfm.freetls.fastly.net/i/u/34s/a.png' });
    expect(parseProfile({ user: { name: 'x', url: ' JavaScript:alert(1)' } }).url).toBeUndefined();
    expect(parseProfile({ user: { name: 'x', url: 'http://www.last.fm/user/x' } }).url).toBe('http://www.last.fm/user/x');
  });

  it('refuses an answer without a user', () => {
    expect(() => parseProfile({ nothing: true })).toThrow(LastfmUnavailableError);
  });
});

describe('parseRecentTracks', () => {
  const playing = { artist: { name: 'Björk' }, name: 'Jóga', album: { '#text': 'Homogenic' }, '@attr': { nowplaying: 'true' }, loved: '1', image: [{ size: 'large', '#text': 'https://lastfm.freetls.fastly.net/c.png' }] };
  const played = { artist: { '#text': 'AC/DC', mbid: '' }, name: 'T.N.T.', album: { mbid: '' }, date: { uts: '1700000000', '#text': '14 Nov 2023, 22:13' } };

  it('takes an array, marks now playing, reads extended and plain artists', () => {
    expect(parseRecentTracks({ recenttracks: { track: [playing, played] } })).toEqual([
      { artist: 'Björk', name: 'Jóga', album: 'Homogenic', imageUrl: 'https://lastfm.freetls.fastly.net/c.png', url: undefined, nowPlaying: true, playedAt: undefined, loved: true },
      { artist: 'AC/DC', name: 'T.N.T.', album: undefined, imageUrl: undefined, url: undefined, nowPlaying: false, playedAt: 1700000000, loved: false },
    ]);
  });

  it('takes a single track sent as an object, and none at all', () => {
    expect(parseRecentTracks({ recenttracks: { track: played } })).toHaveLength(1);
    expect(parseRecentTracks({ recenttracks: { track: [] } })).toEqual([]);
    expect(parseRecentTracks({ recenttracks: {} })).toEqual([]);
  });

  it('keeps only http(s) URLs for a track\'s link and cover', () => {
    const [track] = parseRecentTracks({ recenttracks: { track: { ...played, url: 'javascript:alert(1)', image: [{ size: 'large', '#text': 'vbscript:x' }] } } });
    expect(track).toMatchObject({ url: undefined, imageUrl: undefined });
  });

  it('shows at most the rows asked for when Last.fm puts now playing on top of the limit', () => {
    const older = [1, 2, 3].map((n) => ({ ...played, name: `Track ${n}`, date: { uts: String(1700000000 - n) } }));
    const tracks = parseRecentTracks({ recenttracks: { track: [playing, ...older], '@attr': { user: 'rj', page: '1', perPage: '3', totalPages: '5', total: '15' } } });
    expect(tracks.map((track) => track.name)).toEqual(['Jóga', 'Track 1', 'Track 2']);
    expect(parseRecentTracks({ recenttracks: { track: older, '@attr': { perPage: 3 } } })).toHaveLength(3);
  });

  it('skips items without an artist or a name', () => {
    expect(parseRecentTracks({ recenttracks: { track: [{ name: 'x' }, { artist: { '#text': '' }, name: 'y' }, 'junk'] } })).toEqual([]);
  });
});

describe('parseScrobbleResult', () => {
  it('reads one scrobble sent as an object, with number counts', () => {
    const result = parseScrobbleResult({ scrobbles: { scrobble: { artist: { corrected: '0', '#text': 'a' }, track: { '#text': 'b' }, timestamp: '1700000000', ignoredMessage: { code: '0', '#text': '' } }, '@attr': { accepted: 1, ignored: 0 } } });
    expect(result).toEqual({ accepted: 1, ignored: 0, items: [{ artist: 'a', track: 'b', timestamp: 1700000000, ignored: false, ignoredCode: 0, ignoredReason: undefined }] });
  });

  it.each([
    [1, 'Last.fm ignored the artist name'],
    [2, 'Last.fm ignored the track name'],
    [3, 'the time played is too old (more than about 14 days ago)'],
    [4, 'the time played is too far in the future'],
    [5, 'the daily scrobble limit was reached'],
    [9, 'Last.fm ignored it (code 9)'],
  ])('puts ignoredMessage code %i into words', (code, words) => {
    const result = parseScrobbleResult({ scrobbles: { scrobble: [{ artist: 'a', track: 'b', ignoredMessage: { code: String(code) } }, { artist: 'c', track: 'd' }], '@attr': { accepted: '1', ignored: '1' } } });
    expect(result.items[0]).toMatchObject({ ignored: true, ignoredCode: code, ignoredReason: words });
    expect(result.items[1]).toMatchObject({ ignored: false });
    expect(result).toMatchObject({ accepted: 1, ignored: 1 });
  });

  it('counts from the items when @attr is missing', () => {
    const result = parseScrobbleResult({ scrobbles: { scrobble: [{ ignoredMessage: { code: 3 } }, {}] } });
    expect(result).toMatchObject({ accepted: 1, ignored: 1 });
  });

  it('refuses an answer without scrobbles', () => {
    expect(() => parseScrobbleResult({})).toThrow(LastfmUnavailableError);
  });
});

describe('parseNowPlaying and parseTopTags', () => {
  it('reads an ignored now playing', () => {
    expect(parseNowPlaying({ nowplaying: { ignoredMessage: { code: '2', '#text': 'Track was ignored' } } })).toEqual({ ignored: true, ignoredReason: 'Last.fm ignored the track name' });
    expect(parseNowPlaying({ nowplaying: {} })).toEqual({ ignored: false, ignoredReason: undefined });
  });

  it('reads one tag as an object and counts as strings', () => {
    expect(parseTopTags({ toptags: { tag: { name: 'rock', count: '3' } } })).toEqual([{ name: 'rock', count: 3 }]);
    expect(parseTopTags({ toptags: { tag: [{ name: 'a', count: 2 }, { count: 1 }] } })).toEqual([{ name: 'a', count: 2 }]);
  });
});
