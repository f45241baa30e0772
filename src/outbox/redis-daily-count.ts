import type { RedisClient } from '../shared-state/redis-state';
import { promiseWithDeadline } from '../stores/deadline';
import { DAILY_WINDOW_MS, type DailyScrobbleCount, type SentInWindow } from './daily-count';

const PREFIX = 'lastfm-signin:outbox:sent:';

/** The daily count in the sessions' Redis: one sorted set a person (scrobble id → when sent), expiring with the window. */
export class RedisDailyCount implements DailyScrobbleCount {
  constructor(private readonly client: RedisClient) {}

  async record(user: string, ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    const key = PREFIX + user;
    await promiseWithDeadline(
      this.client
        .multi()
        .zAdd(key, ids.map((id) => ({ score: at, value: id })))
        .zRemRangeByScore(key, '-inf', at - DAILY_WINDOW_MS)
        .pExpire(key, DAILY_WINDOW_MS)
        .exec(),
    );
  }

  async since(user: string, since: number): Promise<SentInWindow> {
    const key = PREFIX + user;
    const [count, oldest] = await promiseWithDeadline(Promise.all([this.client.zCount(key, `(${since}`, '+inf'), this.client.zRangeByScoreWithScores(key, `(${since}`, '+inf', { LIMIT: { offset: 0, count: 1 } })]));
    return { count, oldestAt: oldest[0]?.score };
  }
}
