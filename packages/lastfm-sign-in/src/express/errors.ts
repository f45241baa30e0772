/** Every way a sign-in (or a guarded route) can fail, as a stable code a host can switch on. */
export type SignInErrorCode =
  /** The callback link has no `state`. */
  | 'state-missing'
  /** This browser's session has no sign-in under way: its cookie did not come back. */
  | 'state-lost'
  /** The state is not one this session is waiting for: replayed, expired, or from another browser. */
  | 'state-unknown'
  /** The person declined on Last.fm's page. */
  | 'access-declined'
  /** A token that is not one Last.fm would send. */
  | 'bad-token'
  /** Last.fm says the token is older than an hour or already used. */
  | 'token-expired'
  /** Desktop flow: the token is not approved on Last.fm yet. */
  | 'token-not-approved'
  /** Desktop flow: no such token in this browser's session. */
  | 'no-such-token'
  /** Desktop flow: the token already gave a session. */
  | 'token-used'
  /** Password flow: Last.fm did not accept the user name and password. */
  | 'wrong-password'
  /** Password flow: too many attempts from this address or for this user name. */
  | 'too-many-attempts'
  /** Password flow: switched off here (off, or not https). */
  | 'password-refused'
  /** Password flow: the user name or the password was left empty. */
  | 'credentials-missing'
  /** A form field missing or malformed. */
  | 'bad-input'
  /** A route that needs a signed-in person was asked without one. */
  | 'not-signed-in'
  /** A POST from another site (or with no Origin to tell). */
  | 'cross-origin'
  /** The session store failed. */
  | 'session-unavailable'
  /** express-session is not mounted before the router: a setup mistake of the host. */
  | 'session-missing'
  /** Last.fm refused the sign-in for another reason (its own words are in `cause`). */
  | 'lastfm-refused'
  /** Last.fm asked to slow down, or this instance's share of the call budget had no room in time. */
  | 'lastfm-busy'
  /** Last.fm could not be reached or gave no usable answer. */
  | 'lastfm-unavailable'
  /** Last.fm refused this site's API key or signature: the host's configuration, not the person. */
  | 'lastfm-config';

interface Wording {
  status: number;
  title: string;
  message: string;
}

const WORDS: Readonly<Record<SignInErrorCode, Wording>> = {
  'state-missing': { status: 400, title: 'This sign-in link is incomplete', message: 'The link Last.fm sent you back with has no state, so it cannot be matched to a sign-in started here. Start again.' },
  'state-lost': {
    status: 400,
    title: 'No sign-in was started in this browser',
    message:
      'This browser came back from Last.fm without the cookie of the sign-in it started, so the sign-in cannot be finished. Most often the sign-in was started at another address of this site (such as 127.0.0.1 instead of localhost, or www. missing), whose cookies the browser keeps apart; or the session cookie is SameSite=Strict, which browsers hold back on the way back from Last.fm (use Lax); or the session was not saved before the browser left (a memory store restarted, or several instances without a shared store). Start again from this site\'s own address.',
  },
  'state-unknown': { status: 400, title: 'This sign-in link is not valid here', message: 'It was already used, has expired, or was started in another browser. Start again.' },
  'access-declined': { status: 403, title: 'Access was not allowed', message: 'Last.fm sent you back without access, which means it was declined. If you meant to allow it, start again and choose "Yes, allow access".' },
  'bad-token': { status: 400, title: 'This sign-in link is not valid', message: 'The token in the link is not one Last.fm would send. Start again.' },
  'token-expired': { status: 400, title: 'This sign-in has expired', message: 'The Last.fm sign-in token is older than an hour or was already used. Start again.' },
  'token-not-approved': { status: 409, title: 'Not approved yet', message: 'This token is not approved on Last.fm yet: approve it there, then try again.' },
  'no-such-token': { status: 404, title: 'No such token here', message: 'This token is not in this browser\'s list. Tokens belong to the browser that created them; create a new one.' },
  'token-used': { status: 400, title: 'This token was already used', message: 'A token gives one session and this one already did. Create a new token to sign in again.' },
  'wrong-password': {
    status: 401,
    title: 'Wrong user name or password',
    message: 'Last.fm did not accept this user name (or email) and password. If they are right, this site\'s API key may not be allowed to use password sign-in (Last.fm allows it for some keys only): use "Sign in with Last.fm" instead.',
  },
  'too-many-attempts': { status: 429, title: 'Too many sign-in attempts', message: 'There have been too many password sign-in attempts from your network or for this user name. Wait and try again, or sign in on Last.fm\'s own page instead.' },
  'password-refused': { status: 403, title: 'Password sign-in is switched off here', message: 'This site does not take Last.fm passwords. Use "Sign in with Last.fm" instead.' },
  'credentials-missing': { status: 400, title: 'Something is missing', message: 'Enter your Last.fm user name (or email) and your password.' },
  'bad-input': { status: 400, title: 'Something in the request was wrong', message: 'A field of the form was missing or malformed.' },
  'not-signed-in': { status: 401, title: 'Sign in first', message: 'This needs you to be signed in with Last.fm.' },
  'cross-origin': { status: 403, title: 'This request came from another site', message: 'Signing out only works from this site\'s own pages. Go back to the site and use its sign-out button.' },
  'session-unavailable': { status: 503, title: 'Sessions are unavailable', message: 'Sessions are unavailable right now, so this cannot be done. Try again shortly.' },
  'session-missing': { status: 500, title: 'Sign-in is not set up', message: 'This site\'s sign-in needs sessions, and none are set up. (For the site\'s developer: mount express-session before the lastfmSignIn router.)' },
  'lastfm-refused': { status: 400, title: 'Last.fm did not accept this sign-in', message: 'Last.fm refused the sign-in (the token may have been used already). Start again.' },
  'lastfm-busy': { status: 503, title: 'Last.fm is busy', message: 'Too many requests are going to Last.fm right now, so this one was not sent. Try again in a minute.' },
  'lastfm-unavailable': { status: 503, title: 'Last.fm is not answering', message: 'Last.fm could not be reached or sent an answer that could not be read. Try again in a minute.' },
  'lastfm-config': { status: 502, title: 'Something went wrong talking to Last.fm', message: 'This is a problem with this site\'s setup, not with anything you did.' },
};

/**
 * A sign-in failure in words a person can read: `status`, `title` and `message` are safe to show
 * (they never carry the session key, token or shared secret); `cause` is for the host's log.
 */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  readonly code: SignInErrorCode;
  readonly status: number;
  readonly title: string;
  /** Sent as Retry-After when set. */
  readonly retryAfterSeconds: number | undefined;
  /** `bad-input`: the query or form field at fault, as the request names it. */
  readonly field: string | undefined;

  constructor(code: SignInErrorCode, options: { message?: string; status?: number; cause?: unknown; retryAfterSeconds?: number; field?: string } = {}) {
    const words = WORDS[code];
    super(options.message ?? words.message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? words.status;
    this.title = words.title;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.field = options.field;
  }
}
