import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ApiKeyResolver } from '../../src/contract/api-key.js';
import { generateApiKey } from '../../src/contract/api-key.js';
import { defineOperation } from '../../src/contract/define.js';
import type { Identity } from '../../src/contract/identity.js';
import type { Operation } from '../../src/contract/operation.js';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { createGatewayComponent, type GatewayOptions } from '../../src/gateway/app.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import type { Component } from '../../src/shared/runtime.js';
import { createTestRuntime, type TestRuntimeOptions } from '../helpers/runtime.js';
export { startOwnRedis } from '../helpers/own-redis.js';

// Gateway tests make their runtimes with the light helper: no composition root, no auth server.
export { createTestRuntime };

/** What a stub upstream saw of one request. */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server standing in for an upstream: records every request and answers JSON, except
 * for a few paths that misbehave on purpose (slow, reset mid-response, large).
 */
export async function startUpstream(extra?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (extra?.(req, res)) return;
      const payload = JSON.stringify({ ok: true, data: { path: req.url } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), connection: 'keep-alive', 'x-upstream': 'yes' });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    server,
    last: () => seen[seen.length - 1]!,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export type Upstream = Awaited<ReturnType<typeof startUpstream>>;

/** An auth server stand-in: serves a JWKS at /oauth2/jwks, records everything else. */
export async function startIssuer() {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const keys: JWK[] = [
    { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
  ];
  let jwksHits = 0;
  let jwksDown = false;
  const upstream = await startUpstream((req, res) => {
    if (req.url !== '/oauth2/jwks') return false;
    jwksHits += 1;
    if (jwksDown) {
      res.writeHead(503).end();
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    return true;
  });
  return {
    ...upstream,
    es,
    rs,
    keys,
    get jwksHits() {
      return jwksHits;
    },
    setJwksDown(down: boolean) {
      jwksDown = down;
    },
  };
}

export type Issuer = Awaited<ReturnType<typeof startIssuer>>;

/** Operations for gateway tests: one per role, a public one, a path parameter, a tiny body limit. */
export const testOperations: readonly Operation[] = [
  defineOperation({ name: 'health.check', method: 'GET', path: '/health', role: 'public', tag: 't', description: 'public' }),
  defineOperation({ name: 'things.list', method: 'GET', path: '/things', role: 'guest', tag: 't', description: 'guest read' }),
  defineOperation({ name: 'things.create', method: 'POST', path: '/things', role: 'agent', tag: 't', description: 'agent write', bodyLimit: 1024 }),
  defineOperation({ name: 'things.fetch', method: 'GET', path: '/things/{id}', role: 'bot', tag: 't', description: 'bot read' }),
  defineOperation({ name: 'things.delete', method: 'DELETE', path: '/things/{id}', role: 'admin', tag: 't', description: 'admin delete', cost: 5 }),
  defineOperation({ name: 'things.live', method: 'GET', path: '/things/{id}/live', role: 'agent', tag: 't', description: 'websocket' }),
];

/** A small, real in-memory API-key resolver (the database one is tested with the API-key issue). */
export function memoryApiKeys(): ApiKeyResolver & { add(identity: Omit<Identity, 'kind'> & { key_id: string }): string; lookups: number } {
  const keys = new Map<string, Identity>();
  const resolver = {
    lookups: 0,
    add(identity: Omit<Identity, 'kind'> & { key_id: string }) {
      const key = generateApiKey();
      keys.set(key, { ...identity, kind: 'api_key' });
      return key;
    },
    async resolve(key: string) {
      resolver.lookups += 1;
      const identity = keys.get(key);
      return identity && { identity, expiresAt: undefined };
    },
  };
  return resolver;
}

export interface TestGateway {
  url: string;
  runtime: OwnedRuntime;
  component: Component;
  server: RunningServer;
  close(): Promise<void>;
}

export async function startGateway(options: {
  issuer: Issuer;
  api: Upstream;
  runtime?: OwnedRuntime;
  runtimeOptions?: TestRuntimeOptions;
  gateway?: Partial<GatewayOptions>;
}): Promise<TestGateway> {
  const runtime = options.runtime ?? (await createTestRuntime({
    ...options.runtimeOptions,
    config: { PUBLIC_URL: 'https://gatehouse.test', ...options.runtimeOptions?.config },
  }));
  const component = createGatewayComponent(runtime, { auth: options.issuer.url, api: options.api.url }, {
    operations: testOperations,
    apiKeys: memoryApiKeys(),
    ...options.gateway,
  });
  const server = await listen(component.listener!, { host: '127.0.0.1', port: 0 });
  server.server.on('upgrade', component.onUpgrade!);
  server.server.on('checkContinue', component.onCheckContinue!);
  return {
    url: server.url,
    runtime,
    component,
    server,
    async close() {
      await server.close(100);
      await component.stop();
      if (!options.runtime) await runtime.close();
    },
  };
}

export interface MintOptions {
  key?: CryptoKey;
  alg?: string;
  kid?: string;
  typ?: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  expiresIn?: number;
  iat?: number;
}

/** A real access token as the auth server would mint it (RFC 9068), tweakable for attacks. */
export async function mint(issuer: Issuer, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const alg = options.alg ?? 'ES256';
  const iat = options.iat ?? now;
  return new SignJWT({
    iss: 'https://gatehouse.test',
    aud: 'https://gatehouse.test/api',
    sub: 'user-1',
    org: 'org-1',
    scope: 'openid agent',
    client_id: 'client-1',
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    gid: 'grant-1',
    iat,
    exp: iat + (options.expiresIn ?? 3600),
    ...options.claims,
  })
    .setProtectedHeader({ alg, typ: options.typ ?? 'at+jwt', kid: options.kid ?? (alg === 'RS256' ? 'rs-1' : 'es-1'), ...options.header })
    .sign(options.key ?? (alg === 'RS256' ? issuer.rs.privateKey : issuer.es.privateKey));
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with the path sent exactly as given (fetch would normalise `..` and friends). */
export function request(base: string, path: string, options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const headers = options.body === undefined ? options.headers : { 'content-length': Buffer.byteLength(options.body), ...options.headers };
    const req = http.request({ host: hostname, port, path, method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Raw bytes on a socket, for request lines node's client refuses to send. Resolves the status line and body. */
export function rawRequest(base: string, bytes: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(Number(port), hostname, () => socket.write(bytes));
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
      });
      socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
      socket.on('error', reject);
      // Every caller expects the server to close the connection; this only bounds a failing test
      // (one second was too short on a loaded machine: the answer came after the client hung up).
      setTimeout(() => socket.end(), 5_000).unref();
    }, reject);
  });
}

const repo = path.resolve(import.meta.dirname, '../..');

/** `gatehouse <args>` from the sources in a process of its own, with its output collected. */
export function gatehouseProcess(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'gatehouse-workers-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exited, output: () => output };
}

