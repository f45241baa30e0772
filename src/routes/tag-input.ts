import { MAX_TAGS_PER_CALL, type TagTarget } from 'lastfm-sign-in';
import { badInput } from './input';
import { optionalText, requiredText, type Body } from './track-input';

/** Longest tag accepted; Last.fm's own tags are far shorter. */
export const MAX_TAG_LENGTH = 100;

export function readTagTarget(body: Body): TagTarget {
  const type = optionalText(body, 'type', 10);
  const artist = requiredText(body, 'artist');
  switch (type) {
    case 'artist':
      return { type, artist };
    case 'album':
      return { type, artist, album: requiredText(body, 'album') };
    case 'track':
      return { type, artist, track: requiredText(body, 'track') };
    default:
      throw badInput('type', 'must be artist, album or track');
  }
}

export function readTags(body: Body): string[] {
  const raw = requiredText(body, 'tags', 2000);
  const tags = [...new Set(raw.split(',').map((tag) => tag.trim()).filter((tag) => tag !== ''))];
  if (tags.length === 0) throw badInput('tags', 'is required (comma-separated)');
  if (tags.length > MAX_TAGS_PER_CALL) throw badInput('tags', `has ${tags.length} tags; at most ${MAX_TAGS_PER_CALL} can be added at once`);
  const long = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
  if (long !== undefined) throw badInput('tags', `has a tag longer than ${MAX_TAG_LENGTH} characters`);
  return tags;
}

export function describeTarget(target: TagTarget): string {
  switch (target.type) {
    case 'artist':
      return target.artist;
    case 'album':
      return `${target.artist} – ${target.album}`;
    case 'track':
      return `${target.artist} – ${target.track}`;
  }
}
