/**
 * Maps that must stay bounded. A Map keeps insertion order, so the oldest entries sit in front
 * and trimming walks from there, stopping at the first entry it keeps.
 */

/** Drops the oldest entries while `drop` says so, stopping at the first one kept. */
function dropOldestWhile<K, V>(map: Map<K, V>, drop: (value: V) => boolean): void {
  for (const [key, value] of map) {
    if (!drop(value)) break;
    map.delete(key);
  }
}

/**
 * Room for one more entry: drops the oldest while they are stale or the map holds `max`. A stale
 * entry behind a kept one waits until it reaches the front: cheap, and exact when every entry
 * lives equally long.
 */
export function makeRoom<K, V>(map: Map<K, V>, max: number, isStale: (value: V) => boolean = () => false): void {
  dropOldestWhile(map, (value) => map.size >= max || isStale(value));
}

/** Puts `value` under `key` as the newest entry and drops the oldest beyond `max`; a re-stored key counts as new. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  makeRoom(map, max);
  map.set(key, value);
}
