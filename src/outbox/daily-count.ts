/**
 * Last.fm takes about 2,800–3,000 scrobbles a day from each account, counted across every app the
 * person uses; beyond it, it answers error 29 "Too many scrobbles". The outbox keeps each person's
 * deliveries under LASTFM_DAILY_SCROBBLES in any 24 hours by counting what it sent, where the
 * outbox lives (so every instance counts the same), and holds the rest until the window allows.
 */
export const DAILY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The scrobbles sent for one person in a window: how many, and when the oldest of them went. */
export interface SentInWindow {
  count: number;
  oldestAt: number | undefined;
}

export interface DailyScrobbleCount {
  /** These scrobbles reached Last.fm (accepted or ignored: each counts against the day) at `at`. */
  record(user: string, ids: readonly string[], at: number): Promise<void>;
  /** What was sent for the person since `since`. */
  since(user: string, since: number): Promise<SentInWindow>;
}

/** The person's room under `limit` now, and when more opens if there is none. */
export function dailyRoom(sent: SentInWindow, limit: number): { room: number; opensAt: number | undefined } {
  const room = Math.max(0, limit - sent.count);
  return { room, opensAt: room > 0 || sent.oldestAt === undefined ? undefined : sent.oldestAt + DAILY_WINDOW_MS };
}

/** One process's count, for the memory outbox. */
export class MemoryDailyCount implements DailyScrobbleCount {
  private readonly sent = new Map<string, number[]>();

  record(user: string, ids: readonly string[], at: number): Promise<void> {
    const times = this.sent.get(user) ?? [];
    for (let i = 0; i < ids.length; i += 1) times.push(at);
    this.sent.set(user, times);
    return Promise.resolve();
  }

  since(user: string, since: number): Promise<SentInWindow> {
    const times = (this.sent.get(user) ?? []).filter((at) => at > since);
    if (times.length === 0) this.sent.delete(user);
    else this.sent.set(user, times);
    return Promise.resolve({ count: times.length, oldestAt: times[0] });
  }
}
