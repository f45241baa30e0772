import { carriesPasswordSafely, type LastfmSession } from '../index';
import { wantsJson } from './answer';
import { SignInError } from './errors';
import { oneString } from './fields';
import { formFields } from './form-body';
import { knownDevices } from './known-device';
import { signInFailure } from './lastfm-failure';
import type { Settings } from './options';
import { safeReturnTo } from './return-to';
import { isOwnRequest } from './same-origin';
import { startSignedIn } from './signed-in';
import type { Handler } from './web-flow';

/**
 * POST password (fields `username`, `password`, optional `returnTo`). The password is read from the
 * body, passed to Last.fm once and dropped: never stored, logged, or put into a page or URL.
 */
export function passwordSignIn(settings: Settings, flow: NonNullable<Settings['password']>): Handler {
  const refusal = passwordRefusal(settings);
  const devices = flow.deviceSecret === undefined ? undefined : knownDevices(flow.deviceSecret, `${settings.prefix}${settings.mountPath}/`, settings.publicUrl.protocol === 'https:');
  return async (req, res) => {
    if (!isOwnRequest(req, settings)) throw new SignInError('cross-origin');
    if (refusal !== undefined) throw new SignInError('password-refused', { message: refusal });
    const fields = await formFields(req);
    const username = (oneString(fields.username, 'username', 256) ?? '').trim();
    const password = oneString(fields.password, 'password', 1024) ?? '';
    const returnTo = safeReturnTo(fields.returnTo);
    if (username === '' || password === '') throw new SignInError('credentials-missing');

    // The address's allowance is checked first, so someone already over it cannot use up a user name's.
    const device = devices?.of(req, username);
    const userBucket = device === undefined ? `user:${username.toLowerCase()}` : `device:${device}`;
    const clientWait = await flow.perClient.take(req.ip ?? 'unknown');
    const wait = clientWait > 0 ? clientWait : await flow.perUser.take(userBucket);
    if (wait > 0) throw new SignInError('too-many-attempts', { retryAfterSeconds: Math.ceil(wait / 1000) });

    let session: LastfmSession;
    try {
      session = await settings.clientOf(req).getMobileSession(username, password);
    } catch (error) {
      throw signInFailure(error, 'password');
    }
    await flow.perUser.reset(userBucket);
    await startSignedIn(req, session, settings, {});
    devices?.remember(res, username, settings.now());
    if (wantsJson(req)) {
      res.status(204).end();
      return;
    }
    res.redirect(303, `${settings.prefix}${returnTo}`);
  };
}

/**
 * Why a password must not be taken here, or undefined when it may: over plain http to another
 * machine it would cross the network in clear, between the browser and this site or between this
 * site and Last.fm (which refuses it anyway).
 */
function passwordRefusal(settings: Settings): string | undefined {
  if (!carriesPasswordSafely(settings.publicUrl)) return 'This site is not served over https, so a password typed here would cross the network in clear. Use "Sign in with Last.fm" instead.';
  let api: URL;
  try {
    api = new URL(settings.apiUrl);
  } catch {
    return 'The Last.fm web service address is not a valid URL.';
  }
  if (!carriesPasswordSafely(api)) return 'The Last.fm web service address is not https, so a password sent there could be read on the way. Use "Sign in with Last.fm" instead.';
  return undefined;
}
