import { HttpError, LastfmError, LastfmUnavailableError } from '../../src/errors';
import { isLastfmFailure, rethrowAsPage } from '../../src/failure-pages';

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('rethrowAsPage', () => {
  it('turns a Last.fm error answer into the page for its context', () => {
    const page = thrownBy(() => rethrowAsPage(new LastfmError(4, 'Authentication Failed', 'auth.getSession', 403), 'web-sign-in'));
    expect(page).toBeInstanceOf(HttpError);
    expect((page as HttpError).status).toBe(400);
    expect((page as HttpError).action?.href).toBe('/auth/login');
  });

  it('turns no usable answer into the 503 page', () => {
    const page = thrownBy(() => rethrowAsPage(new LastfmUnavailableError('timeout', 'auth.getToken'), 'desktop-sign-in'));
    expect(page).toBeInstanceOf(HttpError);
    expect((page as HttpError).status).toBe(503);
  });

  it('lets any other error through unchanged', () => {
    const bug = new TypeError('a bug here');
    expect(thrownBy(() => rethrowAsPage(bug, 'web-sign-in'))).toBe(bug);
    expect(isLastfmFailure(bug)).toBe(false);
  });
});
