import { describe, expect, it } from 'vitest';
import { listen } from '../../src/shared/server.js';

describe('graceful shutdown of a listener', () => {
  it('lets an in-flight request finish, refuses new connections, and closes idle keep-alive sockets', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listen(
      (req, res) => {
        if (req.url === '/slow') {
          arrived();
          void gate.then(() => res.end('finished'));
        } else {
          res.end('quick');
        }
      },
      { host: '127.0.0.1', port: 0 },
    );
    // An idle keep-alive connection must not hold shutdown open.
    const idle = await fetch(`${server.url}/quick`);
    expect(await idle.text()).toBe('quick');

    const slow = fetch(`${server.url}/slow`).then(async (res) => ({ status: res.status, body: await res.text() }));
    await inFlight;
    const closed = server.close(5_000);
    let closedYet = false;
    void closed.then(() => (closedYet = true));

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedYet).toBe(false);
    await expect(fetch(`${server.url}/quick`)).rejects.toThrow();

    release();
    expect(await slow).toEqual({ status: 200, body: 'finished' });
    // Once the last response is out, shutdown completes promptly, not at the 5 s timeout.
    const releasedAt = Date.now();
    await closed;
    expect(Date.now() - releasedAt).toBeLessThan(1_000);
    expect(server.server.listening).toBe(false);
  });

  it('drops requests still running after the timeout', async () => {
    const server = await listen(() => {}, { host: '127.0.0.1', port: 0 });
    const hanging = fetch(`${server.url}/never`).then(() => 'answered', () => 'dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = Date.now();
    await server.close(200);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(await hanging).toBe('dropped');
  });
});
