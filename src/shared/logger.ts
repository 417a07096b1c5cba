import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Secrets never reach a log line: credentials in headers, bodies and known secret fields are
 * censored wherever they sit in the logged object.
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.refreshToken',
  '*.refresh_token',
  '*.client_secret',
  '*.secret',
  '*.token',
  'password',
  'secret',
  'token',
];

export function createLogger(options: { level: string; name?: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
