import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { checkPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_PROBLEMS } from '../shared/password-policy.js';
import { ROLES } from './roles.js';

// Building blocks shared by the operation files. Bodies are strict objects: an unknown field is
// a 400 naming it, never silently dropped (issue 6).

/** Body limits, in bytes. Operations without a body still take RPC arguments in one. */
export const SMALL_BODY = 4 * 1024;
export const DEFAULT_BODY = 16 * 1024;
export const LARGE_BODY = 256 * 1024;

export const id = z.uuid({ error: 'must be a UUID' });
export const timestamp = z.iso.datetime({ offset: true });
export const role = z.enum(ROLES);

export const idParams = z.strictObject({ id });

/**
 * A public token: a prefix naming the kind and 24 letters or digits (widgets `wgt_`, visitors
 * `vis_`, conversations `cnv_`). Public identifiers, never credentials, except the widget's
 * client token for its public configuration.
 */
export const publicToken = (prefix: PublicTokenPrefix, noun: string) =>
  z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9]{${PUBLIC_TOKEN_LENGTH}}$`), `must be a ${noun} token`);
type PublicTokenPrefix = 'wgt' | 'vis' | 'cnv';
const PUBLIC_TOKEN_LENGTH = 24;
const PUBLIC_TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new public token of the shape `publicToken` accepts, from the CSPRNG (`randomInt` draws
 * without modulo bias): 24 of 62 symbols, about 143 bits, so a widget's client token cannot be
 * guessed although it is the only key to its public configuration.
 */
export function newPublicToken(prefix: PublicTokenPrefix): string {
  let out = `${prefix}_`;
  for (let i = 0; i < PUBLIC_TOKEN_LENGTH; i++) out += PUBLIC_TOKEN_ALPHABET[randomInt(PUBLIC_TOKEN_ALPHABET.length)];
  return out;
}
export const clientToken = publicToken('wgt', 'widget client');
export const visitorToken = publicToken('vis', 'visitor');
export const conversationToken = publicToken('cnv', 'conversation');
/** The groups a member belongs to (members, invitations). */
export const groupIds = z.array(id).max(100, 'must have at most 100 items');

/** A required, trimmed, non-empty string of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
/** An optional string that may be cleared with null. */
export const nullableText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullable();

/** A password someone chooses: the one policy (shared/password-policy.ts), one message per problem. */
export const newPassword = z.string().superRefine((value, ctx) => {
  const problem = checkPassword(value);
  if (problem) ctx.addIssue({ code: 'custom', message: PASSWORD_PROBLEMS[problem] });
}).meta({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not a common or leaked password.` });

export const email = z.email({ error: 'must be an email address' }).max(254, 'must be at most 254 characters');

/**
 * `limit` (default 20, max 100) and an opaque `cursor`. Query values arrive as strings over REST
 * and as numbers in JSON RPC bodies; coerce covers both.
 */
export const pageQuery = {
  limit: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
  cursor: z.string().min(1).max(512, 'must be at most 512 characters').optional(),
};

export const listQuery = <T extends z.ZodRawShape>(filters: T) => z.strictObject({ ...pageQuery, ...filters });

/** A boolean in a query string (`true`/`false`) or a JSON body. */
export const queryBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const deleted = z.object({ id, deleted: z.literal(true) });
/** The answer of deleting a resource addressed by a public token (widgets, visitors, conversations). */
export const deletedToken = z.object({ token: z.string(), deleted: z.literal(true) });

/**
 * A PATCH body: every field optional, but an update that changes nothing is a client mistake.
 * An omitted field is left alone (issue 17, finding 7), so a create-time default is stripped
 * here: zod would apply it even inside `.partial()` and so overwrite the stored value.
 */
export function nonEmptyPatch<T extends z.ZodRawShape>(shape: T) {
  const withoutDefaults = Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, field instanceof z.ZodDefault ? field.unwrap() : field]),
  ) as T;
  return z.strictObject(withoutDefaults).partial().refine((value) => Object.keys(value).length > 0, { message: 'must set at least one field' });
}
