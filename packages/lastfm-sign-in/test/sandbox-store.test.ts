import { SANDBOX_METHODS } from '../src/testing/sandbox/methods';
import { itemKey } from '../src/testing/sandbox/library';
import { SandboxState } from '../src/testing/sandbox/state';
import type { SandboxRecord, SandboxRecordWrite, SandboxStore } from '../src/testing/sandbox/store';

/** A store as the host's are: versioned records, all-or-nothing writes; every read and write yields, as I/O does. */
class VersionedStore implements SandboxStore {
  readonly records = new Map<string, SandboxRecord>();
  writes = 0;

  async read(names: readonly string[]): Promise<Map<string, SandboxRecord>> {
    await new Promise((resolve) => setImmediate(resolve));
    const found = new Map<string, SandboxRecord>();
    for (const name of names) {
      const record = this.records.get(name);
      if (record !== undefined) found.set(name, { ...record });
    }
    return found;
  }

  async write(writes: readonly SandboxRecordWrite[]): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    if (writes.some((write) => this.records.get(write.name)?.version !== write.readVersion)) return false;
    for (const write of writes) {
      if (write.value === undefined) this.records.delete(write.name);
      else this.records.set(write.name, { value: write.value, version: (write.readVersion ?? 0) + 1 });
    }
    this.writes += 1;
    return true;
  }
}

/** A web service call as the router makes it (signature and API key checks are the router's, not tested here). */
function call(state: SandboxState, params: Record<string, string>) {
  const method = SANDBOX_METHODS[params.method ?? ''];
  if (method === undefined) throw new Error(`no method ${String(params.method)}`);
  return state.transact(() => method.handle({ params, httpMethod: 'POST', signedCall: true, state }));
}

describe('SandboxState over a store shared by two processes', () => {
  let store: VersionedStore;
  let one: SandboxState;
  let two: SandboxState;

  beforeEach(() => {
    store = new VersionedStore();
    one = new SandboxState(Date.now, undefined, store);
    two = new SandboxState(Date.now, undefined, store);
  });

  it('a session key issued by one is known to the other, and its loves land in one library', async () => {
    const sk = await one.transact(() => one.issueSessionKey('sandbox-ada'));
    await call(two, { method: 'track.love', artist: 'Björk', track: 'Jóga', sk });
    await call(one, { method: 'track.love', artist: 'Sigur Rós', track: 'Hoppípolla', sk });
    const fresh = new SandboxState(Date.now, undefined, store);
    await fresh.transact(() => fresh.library.of('sandbox-ada'));
    expect([...fresh.library.of('sandbox-ada').loves].sort()).toEqual([itemKey('Björk', 'Jóga'), itemKey('Sigur Rós', 'Hoppípolla')]);
  });

  it('loves sent through both at the same moment are all kept', async () => {
    const sk = await one.transact(() => one.issueSessionKey('sandbox-bo'));
    const tracks = Array.from({ length: 10 }, (_, i) => `Track ${i}`);
    await Promise.all(tracks.map((track, i) => call(i % 2 === 0 ? one : two, { method: 'track.love', artist: 'Múm', track, sk })));
    const fresh = new SandboxState(Date.now, undefined, store);
    await fresh.transact(() => fresh.library.of('sandbox-bo'));
    expect(fresh.library.of('sandbox-bo').loves.size).toBe(10);
  });

  it('an approved token is spent once, however many processes redeem it at once', async () => {
    const token = await one.transact(() => one.issueToken('sandbox-ada'));
    const outcomes = await Promise.all([one, two, one, two].map((state) => state.transact(() => state.redeemToken(token))));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.ok && outcome.code === 15)).toHaveLength(3);
  });

  it('an authorize page opened on one is answered on the other, once', async () => {
    const token = await one.transact(() => one.issueToken());
    const request = await one.transact(() => one.openAuthorization({ callback: undefined, token }));
    expect(await two.transact(() => two.takeAuthorization(request)?.token)).toBe(token);
    expect(await one.transact(() => one.takeAuthorization(request))).toBeUndefined();
    expect(await two.transact(() => two.approveToken(token, 'sandbox-bo'))).toBe(true);
    expect(await one.transact(() => one.redeemToken(token))).toEqual({ ok: true, user: 'sandbox-bo' });
  });

  it('a key the store no longer holds reads as revoked, even where it was used before', async () => {
    const sk = await one.transact(() => one.issueSessionKey('sandbox-ada'));
    expect(await two.transact(() => two.userOfSessionKey(sk))).toBe('sandbox-ada');
    store.records.delete(`key:${sk}`);
    await expect(two.transact(() => two.userOfSessionKey(sk))).rejects.toMatchObject({ code: 9 });
  });

  it('a refused call writes nothing, and reads write nothing', async () => {
    const sk = await one.transact(() => one.issueSessionKey('sandbox-ada'));
    const before = store.writes;
    await expect(call(two, { method: 'track.scrobble', 'artist[0]': 'Air', 'track[0]': 'Alone in Kyoto', 'timestamp[0]': String(Math.floor(Date.now() / 1000)), 'artist[1]': 'Air', sk })).rejects.toMatchObject({ code: 6 });
    await call(two, { method: 'user.getRecentTracks', user: 'sandbox-ada' });
    expect(store.writes).toBe(before);
    expect(store.records.has('library:sandbox-ada')).toBe(false);
  });
});
