/**
 * What `TokenExchanges.once` shares between the requests that exchange the same token: the
 * session, or the Last.fm error (code and Last.fm's own message) that ended the exchange.
 */
export type ExchangeOutcome = { ok: true; name: string; key: string; subscriber: boolean } | { ok: false; code: number; message: string };

/**
 * One exchange per desktop token at a time across all instances. A double click sends two
 * requests with the same token: the second would get error 15 (the first spent it), so it waits
 * for the first one's outcome and shares it.
 */
export interface TokenExchanges {
  once(token: string, exchange: () => Promise<ExchangeOutcome>): Promise<ExchangeOutcome>;
}

/** The exchange guard of one process; `lastfm-sign-in/redis` shares it between instances. */
export class MemoryExchanges implements TokenExchanges {
  private readonly pending = new Map<string, Promise<ExchangeOutcome>>();

  once(token: string, exchange: () => Promise<ExchangeOutcome>): Promise<ExchangeOutcome> {
    let outcome = this.pending.get(token);
    if (outcome === undefined) {
      outcome = exchange().finally(() => this.pending.delete(token));
      this.pending.set(token, outcome);
    }
    return outcome;
  }
}
