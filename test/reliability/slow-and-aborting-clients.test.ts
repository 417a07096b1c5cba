import { readdirSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// Abuse, the fast versions (bench/abuse.ts measures the slow ones): clients trickling headers
// (slowloris) or a body are cut off with 408 after the configured timeouts, here a fraction of a
// few seconds, while everyone else is served; clients that abort mid-request, mid-response and on
// live streams leave no sockets or descriptors behind. Not shorter: Node measures both timeouts
// from when it accepted the connection, so on a busy machine an event loop held up for as long
// (this process runs the whole Gatehouse on PGlite) would cut off well-behaved requests too.

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;

const openFds = () => readdirSync('/proc/self/fd').length;

/** A raw connection to the gateway; resolves with everything the server sent once it closes. */
function rawClient(port: number, first: string) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  socket.write(first);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  return { socket, closed, get received() { return received; } };
}

describe('slow and aborting clients', () => {
  let gatehouse: TestGatehouse;
  let port: number;
  let token: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { HTTP_HEADERS_TIMEOUT_MS: HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS: REQUEST_TIMEOUT_MS } });
    port = Number(new URL(gatehouse.url).port);
    const res = await fetch(`${gatehouse.url}/v2/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.test', password: 'admin-password-1' }),
    });
    token = ((await res.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  const me = () => fetch(`${gatehouse.url}/v2/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  it('cuts off clients that never finish their headers with 408, serving the others meanwhile', async () => {
    const slow = Array.from({ length: 50 }, () => rawClient(port, 'GET /v2/users/me HTTP/1.1\r\nHost: gatehouse\r\nX-Trickle: a'));
    const served: number[] = [];
    for (let i = 0; i < 10; i++) served.push(await me());
    expect(served).toEqual(Array(10).fill(200));
    const answers = await Promise.all(slow.map((c) => c.closed));
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"error":"invalid_request"');
    }
  });

  it('cuts off a body that stops arriving with 408', async () => {
    const client = rawClient(port, `POST /v2/conversations HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"subj`);
    expect(await client.closed).toMatch(/^HTTP\/1\.1 408 /);
    expect(await me()).toBe(200);
  });

  /** One burst of aborting clients: mid-request, mid-response, and live streams left once their head arrived. */
  async function abortBurst(): Promise<void> {
    const aborts: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      const partial = rawClient(port, `POST /v2/conversations HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a`);
      partial.socket.destroy();
      const early = rawClient(port, `GET /v2/users/me HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer ${token}\r\n\r\n`);
      early.socket.once('data', () => early.socket.resetAndDestroy());
      aborts.push(early.closed);
    }
    for (let i = 0; i < 50; i++) {
      const stream = rawClient(port, `GET /v2/events HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`);
      stream.socket.once('data', () => stream.socket.destroy());
      aborts.push(stream.closed);
    }
    await Promise.all(aborts);
    expect(await me()).toBe(200);
  }

  it('leaves no descriptors behind after clients abort mid-request, mid-response and on live streams', async () => {
    // The first burst may grow the gateway's keep-alive pool to the API (kept, not leaked); the
    // next ones must not add to it.
    await abortBurst();
    const settled = openFds();
    await abortBurst();
    await abortBurst();
    await expect.poll(openFds, { timeout: 10_000, interval: 50 }).toBeLessThanOrEqual(settled + 4);
  });
});
