import type { Response } from 'express';
import { isLastfmFailure } from 'lastfm-sign-in';
import { HttpError, LastfmError, LastfmUnavailableError } from '../../src/errors';
import { pageFor, type FailureContext } from '../../src/failure-pages';

/** A response as the error handler sees it after `failuresAs(context)` ran on the way in. */
function responseIn(context?: FailureContext): Response {
  return { locals: context === undefined ? {} : { failureContext: context } } as unknown as Response;
}

describe('pageFor', () => {
  it('turns a Last.fm error answer into the page for the flow it happened in', () => {
    const page = pageFor(new LastfmError(4, 'Authentication Failed', 'auth.getSession', 403), responseIn('web-sign-in'));
    expect(page).toBeInstanceOf(HttpError);
    expect(page?.status).toBe(400);
    expect(page?.action?.href).toBe('/auth/login');
  });

  it('offers the way back of its own flow: a desktop failure leads to the token list', () => {
    const page = pageFor(new LastfmError(4, 'Authentication Failed', 'auth.getToken', 403), responseIn('desktop-sign-in'));
    expect(page?.action?.href).toBe('/desktop');
  });

  it('turns no usable answer into the 503 page', () => {
    const page = pageFor(new LastfmUnavailableError('timeout', 'auth.getToken'), responseIn('desktop-sign-in'));
    expect(page).toBeInstanceOf(HttpError);
    expect(page?.status).toBe(503);
  });

  it('leaves any other error to the error handler', () => {
    const bug = new TypeError('a bug here');
    expect(pageFor(bug, responseIn('web-sign-in'))).toBeUndefined();
    expect(isLastfmFailure(bug)).toBe(false);
  });
});
