import { COMMON_PASSWORDS } from './common-passwords.js';

/**
 * The one password policy (issue 18), applied wherever a password is set: account activation,
 * accepting an invitation (page and API), password reset (page and API), `gatehouse user create`
 * and ADMIN_PASSWORD. NIST SP 800-63B §3.1.1.2: a length floor and ceiling, no composition rules,
 * and a check against passwords known to be common or breached (shipped, no network).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common';

/** What the problem is, said as the end of a sentence starting "The password …" or "password: …". */
export const PASSWORD_PROBLEMS: Record<PasswordProblem, string> = {
  too_short: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  too_long: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  too_common: 'is too common: it appears in lists of leaked passwords, so attackers try it first; choose another',
};

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(COMMON_PASSWORDS.split(/\s+/).filter(Boolean));
  return common;
}

const normalise = (password: string) => password.normalize('NFKC').toLowerCase();

/**
 * Whether attackers would guess it early: a listed password; a listed word merely padded with
 * digits and symbols (`password2024!`, `1234dragon`); or one short unit or listed word repeated
 * (`abcabcabcabc`, `monkeymonkey`).
 */
function isCommon(password: string): boolean {
  const list = commonPasswords();
  const plain = normalise(password);
  if (list.has(plain)) return true;
  const core = plain.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
  if (core !== plain && core.length > 0 && list.has(core)) return true;
  const repeated = /^(.+?)\1+$/su.exec(plain);
  return repeated !== null && ([...repeated[1]!].length <= 4 || list.has(repeated[1]!));
}

/** Characters as a person counts them (code points), so an emoji is one, not two. */
export const passwordLength = (password: string) => [...password].length;

/** The first problem of a new password, or undefined when it may be set. */
export function checkPassword(password: string): PasswordProblem | undefined {
  const length = passwordLength(password);
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > PASSWORD_MAX_LENGTH) return 'too_long';
  if (isCommon(password)) return 'too_common';
  return undefined;
}

/** The sentence a page shows, or undefined. */
export function passwordError(password: string): string | undefined {
  const problem = checkPassword(password);
  return problem ? `The password ${PASSWORD_PROBLEMS[problem]}.` : undefined;
}
