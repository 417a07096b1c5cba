import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { createTestRuntime, mint, startGateway, startIssuer, startUpstream } from './harness.js';

describe('access log', () => {
  it('writes one line per request with operation, status and caller, and no credential or query string', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        callback();
      },
    });
    const issuer = await startIssuer();
    const api = await startUpstream();
    const base = await createTestRuntime({ config: { PUBLIC_URL: 'https://gatehouse.test' } });
    const runtime = { ...base, logger: createLogger({ level: 'info', destination }) };
    const gateway = await startGateway({ issuer, api, runtime });
    try {
      const token = await mint(issuer, { claims: { sub: 'user-log' } });
      await fetch(`${gateway.url}/things?cursor=abc`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-1' } });
      await fetch(`${gateway.url}/v2/auth/token?refreshToken=super-secret-refresh`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-2' } });
      await new Promise((r) => setTimeout(r, 50));
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
      expect(entries.find((e) => e.request_id === 'log-1')).toMatchObject({ method: 'GET', path: '/things', status: 200, operation: 'things.list', sub: 'user-log', org: 'org-1' });
      expect(entries.find((e) => e.request_id === 'log-2')).toMatchObject({ path: '/v2/auth/token', operation: 'auth_server' });
      const all = lines.join('\n');
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.split('.')[2]!);
      expect(all).not.toContain('super-secret-refresh');
      expect(all).not.toContain('cursor=abc');
    } finally {
      await gateway.close();
      await base.close();
      await api.close();
      await issuer.close();
    }
  });
});
