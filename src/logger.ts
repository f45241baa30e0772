import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths that could carry a secret if someone logs a request or an object carelessly; pino blanks
 * them whatever the caller does.
 */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.key',
  '*.sk',
  '*.api_sig',
  '*.token',
  '*.sharedSecret',
  '*.secret',
  '*.secrets',
  '*.sessionKey',
  '*.shared_secret',
  '*.csrfToken',
  '*._csrf',
  '*.cookie',
  '*.authorization',
  'req.headers["x-csrf-token"]',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino({ level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, options.destination);
}
