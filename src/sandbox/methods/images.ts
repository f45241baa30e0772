import type { Json } from '../../lastfm/parse';
import type { SandboxState } from '../state';

const COVERS = 4;

/** Last.fm's image list: one entry per size, the URL under `#text` (empty when there is none). */
export function imageList(url: string | undefined): Json {
  return ['small', 'medium', 'large', 'extralarge'].map((size) => ({ size, '#text': url ?? '' }));
}

/** A stable cover per album (or artist), from the stand-in's few SVGs. */
export function coverUrl(state: SandboxState, artist: string, album: string | undefined): string {
  let hash = 0;
  for (const char of `${artist}\u0000${album ?? ''}`.toLowerCase()) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `${state.imageBaseUrl}cover-${(hash % COVERS) + 1}.svg`;
}
