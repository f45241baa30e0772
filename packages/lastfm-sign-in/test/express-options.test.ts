import { lastfmSignIn } from '../src/express';

const credentials = { apiKey: 'k', sharedSecret: 's', publicUrl: 'https://example.org' };

/** The pages the host names are where browsers are sent: each must stay on the host's site. */
describe('lastfmSignIn path options', () => {
  it.each([
    ['afterSignOut', { afterSignOut: '/\\evil.example' }],
    ['afterSignOut', { afterSignOut: '//evil.example' }],
    ['afterSignOut', { afterSignOut: 'https://evil.example/' }],
    ['desktop.page', { desktop: { page: '/\\evil.example' } }],
    ['password.page', { password: { page: '/\\evil.example' } }],
  ])('refuses a %s that leaves the site, naming the option', (option, given) => {
    expect(() => lastfmSignIn({ ...credentials, ...given })).toThrow(new TypeError(`lastfmSignIn: ${option} must be a path starting with /`));
  });

  it('takes a local path', () => {
    expect(() => lastfmSignIn({ ...credentials, afterSignOut: '/signed-out', desktop: { page: '/tokens' } })).not.toThrow();
  });
});
