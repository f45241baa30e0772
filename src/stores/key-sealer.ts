import { KeySealer } from 'lastfm-sign-in';
import type { Config } from '../config';

export { KeySealer };

/** Seals with the newest encryption key; opens with any encryption key or session secret. */
export function sealerFor(config: Config): KeySealer {
  return new KeySealer([...config.session.encryptionKeys, ...config.session.secrets]);
}
