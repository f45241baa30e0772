/**
 * lastfm-sign-in: Last.fm's web service for Node, with no framework in it. Request signing, a
 * typed client (authorize URLs, sessions, writes, reads, any other signed call), typed errors,
 * and a call scheduler over a call budget (in memory here; `lastfm-sign-in/redis` shares it).
 */
export { createLastfmClient, LASTFM_API_URL, LASTFM_AUTH_URL, type LastfmClientConfig } from './core/create-client';
export { LastfmClient, type LastfmClientOptions, type LastfmSession, type NowPlaying } from './core/client';
export { LastfmTransport, type SendOptions, type TransportOptions } from './core/transport';
export { createAxiosTransport, HttpTransportError, type AxiosTransportOptions, type HttpRequest, type HttpTransport, type RawAnswer } from './core/http';
export { cleanParams, createSigner, signParams, type ParamValue, type Params, type Signer } from './core/signature';
export { LastfmBusyError, LastfmError, LastfmUnavailableError, type BusyReason, type UnavailableReason } from './core/errors';
export { kindOfCode, type LastfmErrorKind } from './core/error-codes';
export { isLastfmFailure, isRevokedKey, type LastfmFailure } from './core/failure';
export { interpretResponse } from './core/interpret';
export { asList, field, integer, isObject, text, type Json, type JsonObject } from './core/parse';
export { DEFAULT_RETRY_POLICY, backoffDelay, equalJitterDelay, withRetry, type RetryOptions, type RetryPolicy } from './core/retry';
export { retryable, type RetryClass } from './core/retry-class';
export { CallScheduler, DEFAULT_DEADLINES_MS, type CallTicket, type Release, type SchedulerEvent, type SchedulerListener, type SchedulerOptions } from './core/scheduler';
export { MemoryBudget, SEND_MARGIN_MS, SENT_SLOT_MS, SLOT_WINDOW_MS, answerTime, backgroundSpacingMs, readReserve, signedOutShare, slotLimit, type BudgetAnswer, type BudgetOptions, type CallBudget, type CallerKind, type CallPriority, type SlotCount } from './core/budget';
export { MemoryAttempts, type AttemptCounter, type AttemptLimit } from './core/attempts';
export { AttemptLimiter } from './core/attempt-limiter';
export { MemoryRateLimiter, type RateLimit, type RateLimiter } from './core/rate-limit';
export { MemoryExchanges, type ExchangeOutcome, type TokenExchanges } from './core/exchanges';
export { KeySealer } from './core/key-sealer';
// Bounded in-memory maps, as the memory budget, counters and sandbox keep them; for a host's own caches too.
export { makeRoom, setNewest } from './core/bounded-map';
export { systemClock, type Clock } from './core/clock';
export type { CallListener, LastfmCallEvent } from './core/call-events';
export { MAX_SCROBBLES_PER_CALL, MAX_TAGS_PER_CALL, scrobbleParams, tagTargetParams, type TagTarget } from './core/call-params';
export { SCROBBLE_WINDOW_SECONDS, TOKEN_LIFETIME_MS } from './core/protocol-limits';
export { isLastfmTokenShape } from './core/token-shape';
export { carriesPasswordSafely, isLoopbackHost } from './core/password-transport';
export {
  ignoredReason,
  parseNowPlaying,
  parseProfile,
  parseRecentTracks,
  parseScrobbleResult,
  parseTopTags,
  webUrl,
  type IgnoredCode,
  type NowPlayingResult,
  type Profile,
  type RecentTrack,
  type ScrobbleItem,
  type ScrobbleOutcome,
  type ScrobblePage,
  type ScrobbleResult,
  type TopTag,
} from './core/user-data';
