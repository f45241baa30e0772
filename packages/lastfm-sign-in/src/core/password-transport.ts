import { isIP } from 'node:net';

/**
 * Whether a password may travel to `url`: over https, or over plain http only to this machine.
 * Last.fm itself refuses auth.getMobileSession over plain HTTP; a password on the open network is
 * the real harm, between the browser and the site as between the site and Last.fm.
 */
export function carriesPasswordSafely(url: URL): boolean {
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

/** localhost, 127.0.0.0/8 and ::1, as URL.hostname spells them. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost') return true;
  if (host === '[::1]' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
