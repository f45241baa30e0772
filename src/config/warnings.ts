import type { Config } from './types';

/**
 * Settings that start but probably do not do what the operator meant, each as one log line. Not
 * refused: behind a proxy both are normal, and the proxy setting is what says so.
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.trustProxy !== false) return warnings;
  if (config.publicUrl.protocol === 'https:') {
    warnings.push('PUBLIC_URL is https but TRUST_PROXY is not set: behind a TLS-terminating proxy the app sees http and never sets the Secure session cookie. Set TRUST_PROXY');
  }
  const publicPort = Number(config.publicUrl.port || (config.publicUrl.protocol === 'https:' ? 443 : 80));
  if (publicPort !== config.port) {
    warnings.push(
      `PORT is ${config.port} but PUBLIC_URL (${config.publicUrl.origin}) is on port ${publicPort}, and TRUST_PROXY is not set: Last.fm sends people back to port ${publicPort}. Set PUBLIC_URL to where people reach the app, or TRUST_PROXY when a proxy forwards to this port`,
    );
  }
  return warnings;
}
