import { createSigner, LastfmClient, LastfmTransport } from 'lastfm-sign-in';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from 'lastfm-sign-in/testing';
import { LastfmBusyError, LastfmError } from '../src/errors';
import { StrictStandIn } from './strict-stand-in';

export interface ThrottleResult {
  writes: number;
  perSecondLimit: number;
  errors29: number;
  /** Writes the scheduler refused because they could not go within a write's 15 s deadline. */
  refusedBusy: number;
  otherErrors: number;
  elapsedSeconds: number;
  predictedSeconds: number;
  /** The most requests the stand-in saw within any one second. */
  maxSeenInOneSecond: number;
}

/**
 * In front of a stand-in as strict as Last.fm may be (StrictStandIn: more than `limit` arrivals
 * within any 1,000 ms get error 29), the real client with its default throttle sends a burst of
 * love calls. A write waits at most 15 s for a slot (then the person gets a 503), so a burst
 * the limit can carry in that time is sent whole; a bigger one shows up as `refusedBusy`.
 */
export async function measureThrottle(writes = 70, limit = 5): Promise<ThrottleResult> {
  const standIn = await new StrictStandIn(limit).start();
  const sessionKey = standIn.state.issueSessionKey('sandbox-ada');
  const client = new LastfmClient({
    transport: new LastfmTransport({
      apiKey: SANDBOX_API_KEY,
      apiUrl: `http://127.0.0.1:${standIn.port}/2.0/`,
      signer: createSigner(SANDBOX_SHARED_SECRET),
      userAgent: 'lastfm-sign-in-bench/1',
      timeoutMs: 10_000,
    }),
    authUrl: `http://127.0.0.1:${standIn.port}/api/auth/`,
  });

  let otherErrors = 0;
  let rateLimited = 0;
  let refusedBusy = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writes }, (_, i) =>
      client.love(sessionKey, `Artist ${i}`, `Track ${i}`).catch((error: unknown) => {
        if (error instanceof LastfmError && error.code === 29) rateLimited += 1;
        else if (error instanceof LastfmBusyError) refusedBusy += 1;
        else otherErrors += 1;
      }),
    ),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  await standIn.stop();
  return {
    writes,
    perSecondLimit: limit,
    errors29: Math.max(standIn.refusedWith29, rateLimited),
    refusedBusy,
    otherErrors,
    elapsedSeconds,
    // The first `limit` go at once; each further `limit` waits one more second.
    predictedSeconds: Math.ceil(writes / limit) - 1,
    maxSeenInOneSecond: standIn.busiestSecond(),
  };
}

if (require.main === module) {
  void measureThrottle().then((result) => {
    console.log(JSON.stringify(result, null, 2));
  });
}
