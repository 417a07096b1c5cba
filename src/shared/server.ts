import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientError } from './error-response.js';

export interface RunningServer {
  readonly server: http.Server;
  readonly port: number;
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then drops the rest. */
  close(timeoutMs: number): Promise<void>;
}

export async function listen(
  handler: http.RequestListener,
  options: { host: string; port: number; keepAliveTimeoutMs?: number; headersTimeoutMs?: number; requestTimeoutMs?: number },
): Promise<RunningServer> {
  const headersTimeout = options.headersTimeoutMs ?? 30_000;
  const requestTimeout = Math.max(headersTimeout, options.requestTimeoutMs ?? 120_000);
  // Node checks both timeouts only every connectionsCheckingInterval (30 s by default), which
  // would let a slowloris client hold its socket up to 30 s past the timeout: check four times per timeout.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(headersTimeout / 4))) }, handler);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    server,
    port,
    url: `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`,
    close: (timeoutMs) => closeGracefully(server, timeoutMs),
  };
}

function closeGracefully(server: http.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    // A keep-alive socket becomes idle once its in-flight response is written; close such
    // sockets as they appear, or they would hold close() open until the timeout.
    const sweeper = setInterval(() => server.closeIdleConnections(), 25);
    timer.unref();
    sweeper.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweeper);
      resolve();
    });
    server.closeIdleConnections();
  });
}
