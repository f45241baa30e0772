import type { AppDeps } from '../../src/app';
import { buildAppDeps } from '../../src/app-deps';
import { createLogger } from '../../src/logger';
import { createMemoryBackend } from '../../src/stores/memory-backend';
import { fakeConfig } from '../helpers/app';
import { FakeLastfm, type MethodHandler } from '../helpers/fake-lastfm';

/*
 * Issue 21: the delivery loop keeps several people's deliveries under way at once, so a slow
 * answer for one person does not hold up the rate for everyone else's backlog.
 */
jest.setTimeout(20_000);

let fake: FakeLastfm;
let deps: AppDeps | undefined;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
});

afterEach(async () => {
  await deps?.outbox.stop();
  await deps?.sessions.close();
  deps = undefined;
  await fake.stop();
});

const accept: MethodHandler = (params) => {
  const items = [];
  for (let i = 0; params[`artist[${i}]`] !== undefined; i += 1) {
    items.push({ artist: { '#text': params[`artist[${i}]`] }, track: { '#text': params[`track[${i}]`] }, timestamp: params[`timestamp[${i}]`], ignoredMessage: { code: '0', '#text': '' } });
  }
  return [200, { scrobbles: { scrobble: items.length === 1 ? items[0] : items, '@attr': { accepted: items.length, ignored: 0 } } }];
};

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it("delivers another person's queued scrobbles while one person's call waits for its answer", async () => {
  fake.onMethod('track.scrobble', accept);
  const config = fakeConfig(fake, { LASTFM_RATE_LIMIT: '50' });
  const sessions = createMemoryBackend(config);
  deps = buildAppDeps(config, { sessions, logger: createLogger({ level: 'silent' }), outboxTiming: { pollMs: 20 } });
  fake.sessionKeys.set('ada-key', 'ada');
  fake.sessionKeys.set('bob-key', 'bob');
  // The first call to arrive, whoever's, gets no answer until released.
  const held = fake.holdNext('track.scrobble');
  const played = Math.floor(Date.now() / 1000) - 3600;
  await deps.outbox.queue({ name: 'ada', key: 'ada-key' }, [{ artist: 'Ada Artist', track: 'One', timestamp: played }]);
  await held.arrived;
  await deps.outbox.queue({ name: 'bob', key: 'bob-key' }, [{ artist: 'Bob Artist', track: 'Two', timestamp: played }]);
  const bobsCalls = () => fake.calls('track.scrobble').filter((call) => call.params['artist[0]'] === 'Bob Artist');
  // Bob's delivery goes while Ada's call still waits for its answer: one delivery at a time would wait with it.
  await until(() => bobsCalls().length === 1);
  expect(fake.calls('track.scrobble').map((call) => call.params['artist[0]'])).toEqual(['Ada Artist', 'Bob Artist']);
  held.release();
});
