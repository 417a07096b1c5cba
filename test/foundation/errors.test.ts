import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors.js';
import { requestContext } from '../../src/shared/koa/request-context.js';
import { createLogger } from '../../src/shared/logger.js';
import { listen, type RunningServer } from '../../src/shared/server.js';

describe('the error envelope', () => {
  let server: RunningServer;
  const logged: string[] = [];

  beforeAll(async () => {
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => void logged.push(line) } });
    const app = new Koa();
    app.use(requestContext({ logger }));
    app.use(async (ctx) => {
      switch (ctx.path) {
        case '/app-error':
          throw new AppError('conflict', 'That name is taken.', { details: { field: 'name' } });
        case '/rate':
          throw new AppError('rate_limited', 'Slow down.', { headers: { 'retry-after': '7' } });
        case '/crash':
          throw new Error('password=hunter2 connection string postgres://secret@db');
        case '/http-error':
          ctx.throw(413, 'request entity too large');
          break;
        case '/ok':
          ctx.body = { ok: true, data: 1 };
          break;
      }
    });
    server = await listen(app.callback(), { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close(1_000));

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(server.url + path, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  it('writes an AppError as {ok:false,error,message,details,request_id} with its status', async () => {
    const res = await get('/app-error', { 'x-request-id': 'r-1' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ ok: false, error: 'conflict', message: 'That name is taken.', details: { field: 'name' }, request_id: 'r-1' });
    expect(res.headers.get('x-request-id')).toBe('r-1');
  });

  it('keeps the headers an error carries', async () => {
    const res = await get('/rate');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body.error).toBe('rate_limited');
  });

  it('turns an unexpected error into server_error without leaking its message, and logs it once with the request id', async () => {
    logged.length = 0;
    const res = await get('/crash', { 'x-request-id': 'crash-1' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ ok: false, error: 'server_error', message: 'An unexpected error occurred.', request_id: 'crash-1' });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 'error', request_id: 'crash-1', msg: 'request failed' });
  });

  it('maps http-errors thrown by koa and its parsers to our codes', async () => {
    const res = await get('/http-error');
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ ok: false, error: 'payload_too_large', message: 'request entity too large' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ ok: false, error: 'not_found' });
  });

  it('never logs credentials', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    logger.info({ req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } }, body: { password: 'hunter2', email: 'a@b.c' } }, 'request');
    expect(lines.join('')).not.toMatch(/abc\.def\.ghi|sid=1|hunter2/);
    expect(lines.join('')).toContain('a@b.c');
  });
});
