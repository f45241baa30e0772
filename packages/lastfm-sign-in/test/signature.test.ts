import { createHash } from 'node:crypto';
import { cleanParams, createSigner, signParams } from '../src/core/signature';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe('signParams', () => {
  it('matches Last.fm documented vector for auth.getSession', () => {
    expect(signParams({ api_key: 'YOUR_API_KEY', method: 'auth.getSession', token: 'YOUR_REQUESTED_TOKEN' }, 'YOUR_SECRET')).toBe('94539006de89b3c6b3c030bb1e52b9c4');
  });

  it('matches Last.fm documented vector for track.love', () => {
    expect(signParams({ api_key: 'YOUR_API_KEY', method: 'track.love', artist: 'KITANO REM', track: 'RAINSICK', sk: 'YOUR_SESSION_KEY' }, 'YOUR_SECRET')).toBe('800b8884b00c9343d1d425ed271e0f42');
  });

  it('leaves format, callback and api_sig out of the signature', () => {
    const base = { api_key: 'k', method: 'auth.getToken' };
    expect(signParams({ ...base, format: 'json', callback: 'cb', api_sig: 'x' }, 's')).toBe(signParams(base, 's'));
  });

  it('drops undefined, null and empty values before signing', () => {
    const withEmpties = { api_key: 'k', method: 'track.love', artist: 'A', track: 'T', album: '', mbid: undefined, duration: null };
    expect(signParams(withEmpties, 's')).toBe(md5('api_keykartistAmethodtrack.lovetrackTs'));
    expect(cleanParams(withEmpties)).toEqual({ api_key: 'k', method: 'track.love', artist: 'A', track: 'T' });
  });

  it('signs raw UTF-8 values, not URL-encoded ones (non-ASCII, +, &, /)', () => {
    const params = { artist: 'Björk & Sigur Rós', track: '東京事変 + AC/DC', method: 'track.love' };
    expect(signParams(params, 'sec')).toBe(md5('artistBjörk & Sigur Rósmethodtrack.lovetrack東京事変 + AC/DCsec'));
  });

  it('sorts names by code unit, so artist[10] precedes artist[1] and albumArtist[0] precedes album[0]', () => {
    const params = { 'artist[1]': 'b', 'artist[10]': 'c', 'artist[0]': 'a', 'album[0]': 'x', 'albumArtist[0]': 'y' };
    expect(signParams(params, 'S')).toBe(md5('albumArtist[0]yalbum[0]xartist[0]aartist[10]cartist[1]bS'));
  });

  it('stringifies numbers and booleans as they will be sent', () => {
    expect(signParams({ 'timestamp[0]': 1700000000, chosenByUser: false }, 's')).toBe(md5('chosenByUserfalsetimestamp[0]1700000000s'));
  });
});

describe('createSigner', () => {
  const signer = createSigner('YOUR_SECRET');

  it('adds api_sig to the cleaned parameters', () => {
    const signed = signer.sign({ api_key: 'YOUR_API_KEY', method: 'auth.getSession', token: 'YOUR_REQUESTED_TOKEN', empty: '' });
    expect(signed).toEqual({ api_key: 'YOUR_API_KEY', method: 'auth.getSession', token: 'YOUR_REQUESTED_TOKEN', api_sig: '94539006de89b3c6b3c030bb1e52b9c4' });
  });

  it('verifies a correct signature in any letter case and refuses a wrong one', () => {
    const params = { api_key: 'YOUR_API_KEY', method: 'auth.getSession', token: 'YOUR_REQUESTED_TOKEN' };
    expect(signer.verify({ ...params, api_sig: '94539006DE89B3C6B3C030BB1E52B9C4' })).toBe(true);
    expect(signer.verify({ ...params, api_sig: '94539006de89b3c6b3c030bb1e52b9c5' })).toBe(false);
    expect(signer.verify({ ...params, token: 'other', api_sig: '94539006de89b3c6b3c030bb1e52b9c4' })).toBe(false);
    expect(signer.verify(params)).toBe(false);
  });

  it('refuses an empty secret', () => {
    expect(() => createSigner('')).toThrow(/shared secret/);
  });
});
