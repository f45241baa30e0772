import { carriesPasswordSafely } from 'lastfm-sign-in';

/**
 * Why a password must not be sent to this web service root, or undefined when it may, in the
 * words of this app's settings. The rule is the library's (`carriesPasswordSafely`); the built-in
 * sandbox is the one exception: its address is this app's own.
 */
export function passwordRefusalReason(apiUrl: string, sandbox: boolean): string | undefined {
  if (sandbox) return undefined;
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return 'The Last.fm web service address (LASTFM_API_URL) is not a valid URL.';
  }
  if (carriesPasswordSafely(url)) return undefined;
  return `The Last.fm web service address (LASTFM_API_URL) is ${url.protocol.replace(':', '')}, not https, so a password sent there could be read on the way. This app only sends passwords over https (or to this machine). Use "Sign in with Last.fm" instead, or ask the operator to fix LASTFM_API_URL.`;
}

/**
 * Why a password must not be typed into this app at `publicUrl`, or undefined when it may: over
 * plain http to another machine it crosses the network in clear before it ever reaches Last.fm.
 * Sandbox mode is no exception; its demo passwords are harmless, but people reuse real ones.
 */
export function pageRefusalReason(publicUrl: URL): string | undefined {
  if (carriesPasswordSafely(publicUrl)) return undefined;
  return `This app's address (PUBLIC_URL) is ${publicUrl.protocol.replace(':', '')}, not https, so a password typed here would cross the network in clear between your browser and this app. Use "Sign in with Last.fm" instead, or ask the operator to serve the app over https.`;
}
