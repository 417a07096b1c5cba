// A few lines of fetch around Gatehouse's public API: JSON in, `data` out, errors as exceptions.

export class GatehouseError extends Error {
  constructor(readonly status: number, readonly body: { error?: string; message?: string }) {
    super(`Gatehouse answered ${status} ${body.error ?? ''}: ${body.message ?? ''}`);
  }
}

export interface Gatehouse {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A client of `baseUrl` (the gateway) acting with a bearer credential: an access token or an API key. */
export function gatehouse(baseUrl: string, credential: string): Gatehouse {
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${baseUrl}/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await res.json().catch(() => ({}))) as { data?: T; error?: string; message?: string };
      if (!res.ok) throw new GatehouseError(res.status, json);
      return json.data as T;
    },
  };
}

/** A first-party access token for the admin (`POST /v2/auth/token`): only such a token may create API keys. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v2/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  const json = (await res.json().catch(() => ({}))) as { token?: string; error?: string; message?: string };
  if (!res.ok || !json.token) throw new GatehouseError(res.status, json);
  return json.token;
}
