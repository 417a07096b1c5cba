import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';
import { apiFields } from './api.js';
import { authFields } from './auth.js';
import { coreFields } from './core.js';
import { gatewayFields } from './gateway.js';
import { mailFields } from './mail.js';
import { ticketsFields } from './tickets.js';
import { tokensFields } from './tokens.js';
import { visitorSessionFields } from './visitor-sessions.js';
import { webhooksFields } from './webhooks.js';

export const configSchema = z
  .object({ ...coreFields, ...authFields, ...gatewayFields, ...apiFields, ...tokensFields, ...webhooksFields, ...mailFields, ...visitorSessionFields, ...ticketsFields })
  .strict()
  .superRefine((c, ctx) => {
    // Two answers to "who may read /metrics" would leave the operator guessing which one holds.
    if (c.METRICS_PUBLIC && c.METRICS_TOKEN !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PUBLIC'], message: 'cannot be true while METRICS_TOKEN is set; choose one' });
    }
    // A mail whose sender the operator never chose would be refused or land in spam.
    if (c.MAIL_URL !== undefined && c.MAIL_FROM === undefined) {
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required when MAIL_URL is set' });
    }
  })
  .transform((c) => {
    const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
    return { ...c, PUBLIC_URL: publicUrl, API_AUDIENCE: c.API_AUDIENCE ?? `${publicUrl}/api`, DATA_DIR: path.resolve(c.DATA_DIR) };
  });

export type Config = Readonly<z.output<typeof configSchema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

// The repository's `config/`, found from this file whether it runs from `src/` or `dist/src/`.
function findConfigDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('config');
    dir = parent;
  }
  return path.join(dir, 'config');
}

const defaultConfigDir = findConfigDir();
const knownKeys = new Set(Object.keys(configSchema.in.shape));

function readJsonFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`invalid configuration: ${file}: must hold a JSON object`);
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`invalid configuration: ${file}: ${(err as Error).message}`);
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Folder of `<NODE_ENV>.json` and `local.json`; defaults to the repository's `config/`. */
  configDir?: string;
  /** Values that win over everything else (tests, CLI flags). */
  overrides?: Record<string, unknown>;
}

/**
 * Precedence, lowest first: schema defaults, `config/<NODE_ENV>.json`, `config/local.json`,
 * the environment (only keys the schema knows), then `overrides`.
 * Throws ConfigError with a one-line message naming the first bad field.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? env.CONFIG_DIR ?? defaultConfigDir;
  const nodeEnv = options.overrides?.NODE_ENV ?? env.NODE_ENV ?? 'development';
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([key]) => knownKeys.has(key)));
  const input = {
    ...readJsonFile(path.join(dir, `${String(nodeEnv)}.json`)),
    ...readJsonFile(path.join(dir, 'local.json')),
    ...fromEnv,
    ...options.overrides,
  };
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(root)';
    const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new ConfigError(`invalid configuration: ${field}: ${message}`);
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Rows for the README's configuration table: name, default, description. */
export function describeConfig(): Array<{ name: string; default: string; description: string }> {
  return Object.entries(configSchema.in.shape).map(([name, schema]) => {
    const parsed = (schema as z.ZodType).safeParse(undefined);
    const fallback = parsed.success && parsed.data !== undefined ? JSON.stringify(parsed.data) : '';
    return { name, default: fallback, description: (schema as z.ZodType).description ?? '' };
  });
}
