/**
 * lastfm-sign-in/testing: a stand-in for Last.fm that speaks its web service protocol and shows
 * its authorize page, with demo accounts, so sign-in, writes and failures can be tested offline.
 * `startSandbox()` runs it on a port of its own; `createSandboxRouter()` mounts it in a host.
 */
export { startSandbox, type StartSandboxOptions, type StartedSandbox } from './start-sandbox';
export { createSandboxRouter, type SandboxOptions } from './sandbox/router';
export { MAX_SESSION_KEYS, SandboxState, type PendingAuthorization, type SandboxToken, type TokenCheck } from './sandbox/state';
export { DEMO_ACCOUNTS, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, type DemoAccount } from './sandbox/credentials';
export type { SandboxRecord, SandboxRecordKind, SandboxRecordWrite, SandboxStore } from './sandbox/store';
export { SandboxFaults, type SandboxFault } from './sandbox/faults';
export { SandboxCallCounter } from './sandbox/call-counter';
export { SandboxLibrary, itemKey, type SandboxNowPlaying, type SandboxScrobble, type SandboxUserLibrary } from './sandbox/library';
export { SANDBOX_METHODS } from './sandbox/methods';
export type { MethodCall, SandboxMethod } from './sandbox/methods/types';
