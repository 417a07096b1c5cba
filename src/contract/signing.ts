/**
 * The algorithms Gatehouse signs tokens with, once (issue 9): the keys the auth server keeps, what
 * a client may choose for its ID tokens, and what the auth server's own verifier accepts. ES256
 * is the default; RS256 for clients that cannot verify elliptic curves.
 */
export const SIGNING_ALGS = ['ES256', 'RS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const DEFAULT_SIGNING_ALG: SigningAlg = 'ES256';

export const isSigningAlg = (value: unknown): value is SigningAlg => (SIGNING_ALGS as readonly unknown[]).includes(value);
