import { getMobileSession, getSession, getToken } from './auth';
import { addTags, removeTag, userTopTags } from './tags';
import { love, scrobbleMethod, updateNowPlaying } from './track';
import type { SandboxMethod } from './types';
import { recentTracks, userInfo } from './user';

/** Every web service method the stand-in answers, by Last.fm name. */
export const SANDBOX_METHODS: Readonly<Record<string, SandboxMethod>> = {
  'auth.getToken': getToken,
  'auth.getSession': getSession,
  'auth.getMobileSession': getMobileSession,
  'user.getInfo': userInfo,
  'user.getRecentTracks': recentTracks,
  'user.getTopTags': userTopTags,
  'track.love': love(true),
  'track.unlove': love(false),
  'track.updateNowPlaying': updateNowPlaying,
  'track.scrobble': scrobbleMethod,
  'artist.addTags': addTags('artist'),
  'album.addTags': addTags('album'),
  'track.addTags': addTags('track'),
  'artist.removeTag': removeTag('artist'),
  'album.removeTag': removeTag('album'),
  'track.removeTag': removeTag('track'),
};
