import { z } from 'zod';

// Environment variables are strings; these turn them into typed values with one message each.

// Only the type error gets our wording; range errors keep zod's, which name the bound.
const notANumber = (issue: { code: string }) => (issue.code === 'invalid_type' ? 'must be a number' : undefined);

const anyPort = () => z.coerce.number({ error: notANumber }).int('must be an integer').min(0).max(65535);

export const port = (fallback: number) => anyPort().default(fallback);

/** A port whose default depends on the role a process runs (cli/start.ts decides). */
export const optionalPort = () => anyPort().optional();

export const positiveInt = (fallback: number) =>
  z.coerce.number({ error: notANumber }).int('must be an integer').positive('must be greater than 0').default(fallback);

export const nonNegativeInt = (fallback: number) =>
  z.coerce.number({ error: notANumber }).int('must be an integer').min(0, 'must be 0 or more').default(fallback);

export const flag = (fallback: boolean) =>
  z.union([z.boolean(), z.stringbool()]).default(fallback);

export const url = () =>
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** A comma-separated list in the environment, an array in a config file. */
export const list = (fallback: string[]) =>
  z
    .union([
      z.array(z.string()),
      z.string().transform((s) => s.split(',').map((item) => item.trim()).filter(Boolean)),
    ])
    .default(fallback);

export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((s) => (s === '' ? undefined : s));
