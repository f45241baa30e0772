import type { SandboxState } from '../state';

const COVERS = 4;

/** A stable cover per album (or artist), from the stand-in's few SVGs. */
export function coverUrl(state: SandboxState, artist: string, album: string | undefined): string {
  let hash = 0;
  for (const char of `${artist}\u0000${album ?? ''}`.toLowerCase()) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `${state.imageBaseUrl}cover-${(hash % COVERS) + 1}.svg`;
}
