/**
 * The sandbox's fixed, public credentials. They guard nothing: they exist so that any Last.fm
 * client (ours or another) can be pointed at the stand-in and sign its calls.
 */
export const SANDBOX_API_KEY = 'sandbox-api-key-0123456789abcdef';
export const SANDBOX_SHARED_SECRET = 'sandbox-shared-secret-not-secret';

export interface DemoAccount {
  name: string;
  email: string;
  password: string;
  realname: string;
  subscriber: boolean;
}

/** Accounts the stand-in knows; shown on its pages, usable with the mobile (password) flow. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { name: 'sandbox-ada', email: 'ada@sandbox.invalid', password: 'ada-listens', realname: 'Ada Sandbox', subscriber: false },
  { name: 'sandbox-bo', email: 'bo@sandbox.invalid', password: 'bo-listens', realname: 'Bo Sandbox', subscriber: true },
];
