import { loadConfig } from '../../src/config';
import { problemsOf } from '../helpers/config-problems';

describe('LASTFM_RATE_LIMIT', () => {
  it('defaults to 5 calls per second', () => {
    expect(loadConfig({}).lastfm.rateLimitPerSecond).toBe(5);
  });

  it('takes a whole number from 1 to 50', () => {
    expect(loadConfig({ LASTFM_RATE_LIMIT: '2' }).lastfm.rateLimitPerSecond).toBe(2);
    expect(loadConfig({ LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', LASTFM_RATE_LIMIT: '50' }).lastfm.rateLimitPerSecond).toBe(50);
  });

  it.each(['0', '51', '2.5', 'fast', '-1'])('refuses %s with one line naming the variable', (value) => {
    expect(problemsOf({ LASTFM_RATE_LIMIT: value })).toEqual([`LASTFM_RATE_LIMIT must be a whole number of requests per second from 1 to 50 (got "${value}")`]);
  });
});

describe('SIGN_IN_CALLS_PER_MINUTE', () => {
  it('defaults to 10 sign-in requests a minute per address', () => {
    expect(loadConfig({}).signInCallsPerMinute).toBe(10);
    expect(loadConfig({ SIGN_IN_CALLS_PER_MINUTE: '30' }).signInCallsPerMinute).toBe(30);
  });

  it.each(['0', '2.5', 'many'])('refuses %s with one line naming the variable', (value) => {
    expect(problemsOf({ SIGN_IN_CALLS_PER_MINUTE: value })).toEqual([expect.stringMatching(/^SIGN_IN_CALLS_PER_MINUTE must be a whole number of sign-in requests a minute from 1 to 1000000 \(got "/)]);
  });
});

describe('LASTFM_SLOTS_FROM', () => {
  it('counts each call’s second from its answer unless told to count from the send', () => {
    expect(loadConfig({}).lastfm.slotsFrom).toBe('answer');
    expect(loadConfig({ LASTFM_SLOTS_FROM: 'send' }).lastfm.slotsFrom).toBe('send');
    expect(loadConfig({ LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', LASTFM_SLOTS_FROM: 'answer' }).lastfm.slotsFrom).toBe('answer');
  });

  it.each(['sent', 'SEND', 'both'])('refuses %s with one line naming the variable', (value) => {
    expect(problemsOf({ LASTFM_SLOTS_FROM: value })).toEqual([`LASTFM_SLOTS_FROM must be answer or send (where a call's second of the rate starts), not "${value}"`]);
  });
});
