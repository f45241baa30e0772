/**
 * Puts `value` under `key` as the newest entry and drops the oldest beyond `max`. A Map keeps
 * insertion order, so deleting first moves a re-stored key to the end and the oldest sit in front.
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
