import { setNewest } from '../../src/bounded-map';

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
