import type { Request, Response } from 'express';
import type { SignedInUser as LibraryUser } from 'lastfm-sign-in/express';
import { readSignInWith, signedInUser } from '../../src/signed-in-user';

/** A stand-in for the library's accessors, whose answers the test changes mid-request. */
function fakeSignIn(): { state: { user: LibraryUser | undefined; key: string | undefined }; read: (req: Request) => void } {
  const state: { user: LibraryUser | undefined; key: string | undefined } = { user: undefined, key: undefined };
  const middleware = readSignInWith({ user: () => state.user, sessionKey: () => state.key });
  return {
    state,
    read: (req) => {
      middleware(req, {} as unknown as Response, () => undefined);
    },
  };
}

describe('signedInUser', () => {
  it('gives the same answer while the person and key stay, and sees a change later in the request at once', () => {
    const { state, read } = fakeSignIn();
    const req = {} as unknown as Request;
    read(req);
    expect(signedInUser(req)).toBeUndefined();

    const ada: LibraryUser = { name: 'ada', subscriber: false, signedInAt: 1 };
    state.user = ada;
    state.key = 'key-1';
    const first = signedInUser(req);
    expect(first).toEqual({ name: 'ada', subscriber: false, signedInAt: 1, key: 'key-1' });
    expect(signedInUser(req)).toBe(first);

    state.key = 'key-2';
    expect(signedInUser(req)?.key).toBe('key-2');

    state.user = { name: 'grace', subscriber: true, signedInAt: 2 };
    expect(signedInUser(req)?.name).toBe('grace');

    state.key = undefined;
    expect(signedInUser(req)).toBeUndefined();
  });

  it('keeps nothing from one request for the next', () => {
    const { state, read } = fakeSignIn();
    state.user = { name: 'ada', subscriber: false, signedInAt: 1 };
    state.key = 'key-1';
    const one = {} as unknown as Request;
    const two = {} as unknown as Request;
    read(one);
    read(two);
    expect(signedInUser(two)).not.toBe(signedInUser(one));
  });
});
