import { z } from 'zod';
import { checkPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_PROBLEMS } from '../password-policy.js';
import { flag, nonNegativeInt, optionalPort, optionalString, port, positiveInt, url } from './fields.js';

/**
 * Process-wide settings. Keys are the environment variables' names, so a value reads the same
 * in the environment, in a `config/*.json` file and in code. Every field has its default here.
 */
export const coreFields = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development')
    .describe('Selects `config/<NODE_ENV>.json`.'),
  HOST: z.string().min(1).default('127.0.0.1')
    .describe('Interface the public gateway listens on. Loopback unless set: `0.0.0.0` (or an address) exposes it to the network.'),
  PORT: port(8080).describe('Public gateway port (0 picks a free one).'),
  PUBLIC_URL: url().optional()
    .describe('Issuer and base URL as clients see it. Default `http://localhost:$PORT`.'),
  API_AUDIENCE: z.string().min(1).optional()
    .describe('Audience (RFC 8707 resource) of API access tokens. Default `$PUBLIC_URL/api`.'),
  INTERNAL_HOST: z.string().min(1).default('127.0.0.1')
    .describe('Interface of the internal listeners (auth server, resource API).'),
  AUTH_PORT: optionalPort()
    .describe('Auth server port on INTERNAL_HOST. Default: a free port with `--role all` (so two instances never collide), 8081 for `--role auth` and for the upstream a `--role gateway` reaches.'),
  API_PORT: optionalPort()
    .describe('Resource API port on INTERNAL_HOST. Default: a free port with `--role all`, 8082 for `--role api` and for the upstream a `--role gateway` reaches.'),
  WORKER_PORT: optionalPort()
    .describe('Port on INTERNAL_HOST where a `--role worker` process answers `/health` and `/ready` (probes). Default 8083; `--role all` has none (the gateway answers).'),
  AUTH_UPSTREAM_URL: url().optional()
    .describe('Where a `--role gateway` process reaches the auth server. Default `http://INTERNAL_HOST:AUTH_PORT`.'),
  API_UPSTREAM_URL: url().optional()
    .describe('When set, the gateway proxies API traffic here and the built-in resource API is not started (benchmarks, split deployments).'),
  DATABASE_URL: optionalString().pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  ).describe('Postgres connection string. Unset: embedded PGlite in `DATA_DIR/pgdata` (one process only).'),
  DATABASE_POOL_MAX: positiveInt(10).describe('Postgres connection pool size per process.'),
  REDIS_URL: optionalString().pipe(
    z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  ).describe('Redis for rate limits and the event bus. Unset: in-process replacements (one process only).'),
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('gatehouse:')
    .describe('Prefix of every Redis key and pub/sub channel, so several deployments can share one Redis.'),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(500).describe('Bound on every Redis command; a slow Redis never hangs a request.'),
  DATA_DIR: z.string().min(1).default('./data').describe('Embedded database, lock file and generated secret.'),
  SECRET: optionalString().pipe(z.string().min(32, 'must be at least 32 characters').optional())
    .describe('Root secret for assertions, API-key hashes and key encryption. Unset: generated once into `DATA_DIR/secret.key`. Set it (same value) on every process of a multi-process deployment.'),
  SECRET_PREVIOUS: optionalString().pipe(z.string().min(32, 'must be at least 32 characters').optional())
    .describe('During a root-secret rotation only: the secret being replaced. Still accepted until the grace period `gatehouse secret rotate` records ends (docs/operating.md).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('pino log level.'),
  ADMIN_EMAIL: optionalString().pipe(z.email('must be an email address').optional())
    .describe('First run only: email of the bootstrap admin. Default `admin@localhost`.'),
  ADMIN_PASSWORD: optionalString().pipe(z.string().superRefine((value, ctx) => {
    const problem = checkPassword(value);
    if (problem) ctx.addIssue({ code: 'custom', message: PASSWORD_PROBLEMS[problem] });
  }).optional())
    .describe(`First run only: password of the bootstrap admin (${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not a common one). Unset: generated and printed once.`),
  ADMIN_ORGANIZATION: z.string().min(1).max(200).default('Default organization')
    .describe('First run only: name of the bootstrap organization.'),
  SHUTDOWN_TIMEOUT_MS: nonNegativeInt(10_000).describe('How long SIGTERM waits for in-flight requests before closing sockets.'),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(30_000)
    .describe('Time a client has to send a request\'s headers once it starts one; a client trickling them (slowloris) is cut off after it (→ 408).'),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(120_000)
    .describe('Time a client has to send a whole request, body included; a slow body is cut off after it (→ 408). At least HTTP_HEADERS_TIMEOUT_MS.'),
  METRICS_TOKEN: optionalString().pipe(z.string().min(16, 'must be at least 16 characters').optional())
    .describe('`/metrics` requires `Authorization: Bearer <token>`. Unset (and METRICS_PUBLIC false): `/metrics` answers 401 to everyone.'),
  METRICS_PUBLIC: flag(false)
    .describe('Serve `/metrics` without a token, to anyone who can reach the gateway (only behind a network boundary). Cannot be combined with METRICS_TOKEN.'),
  MIGRATE_ON_START: flag(true).describe('Run pending migrations when a process starts.'),
} as const;
