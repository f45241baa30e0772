import { makeRoom, setNewest } from '../src';

describe('setNewest', () => {
  it('keeps at most max entries, dropping the least recently stored, and a re-stored key counts as new', () => {
    const map = new Map<string, number>();
    setNewest(map, 'a', 1, 2);
    setNewest(map, 'b', 2, 2);
    setNewest(map, 'a', 3, 2);
    setNewest(map, 'c', 4, 2);
    expect([...map]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });
});

describe('makeRoom', () => {
  it('drops stale entries from the front and the oldest while full, stopping at the first kept one', () => {
    const map = new Map([
      ['stale', 1],
      ['fresh', 5],
      ['stale behind a fresh one', 1],
    ]);
    makeRoom(map, 10, (value) => value < 3);
    expect([...map.keys()]).toEqual(['fresh', 'stale behind a fresh one']);
    makeRoom(map, 2);
    expect([...map.keys()]).toEqual(['stale behind a fresh one']);
  });
});
