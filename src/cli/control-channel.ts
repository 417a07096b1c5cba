import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../shared/config/index.js';
import type { EventBus } from '../shared/bus.js';
import type { Logger } from '../shared/logger.js';
import type { Database } from '../shared/runtime.js';

/**
 * The operator channel of the embedded database (issue 9). PGlite serves one process, so while
 * `gatehouse start` holds DATA_DIR, a CLI command cannot open the database itself; it hands its
 * arguments to the running process over a Unix socket in DATA_DIR, which runs the same command
 * on its own database and streams the output back. The socket is mode 0600 in the directory that
 * already holds the root secret: whoever can open it could read the secret anyway.
 *
 * Protocol: one JSON line `{"args":[…]}` in; JSON lines `{"out":…}` / `{"err":…}` out, then
 * `{"exit":N}`.
 */
export const CONTROL_SOCKET = 'control.sock';

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

/** What a command run over the channel uses instead of opening the database itself. */
export interface ChannelContext {
  db: Database;
  config: Config;
  bus: EventBus;
}

const context = new AsyncLocalStorage<ChannelContext>();

/** The running server's database, config and bus when this command came over the channel. */
export const channelContext = (): ChannelContext | undefined => context.getStore();

export const controlSocketPath = (dataDir: string) => path.join(path.resolve(dataDir), CONTROL_SOCKET);

export interface ControlChannel {
  close(): Promise<void>;
}

export async function serveControlChannel(options: {
  dataDir: string;
  context: ChannelContext;
  logger: Logger;
  run(args: string[], io: CommandIo): Promise<number>;
}): Promise<ControlChannel> {
  const file = controlSocketPath(options.dataDir);
  // A socket left by a process that died; the DATA_DIR lock already proved no live owner.
  if (existsSync(file)) unlinkSync(file);
  const server = net.createServer((socket) => {
    let buffered = '';
    const send = (message: object): void => {
      socket.write(`${JSON.stringify(message)}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) {
        if (buffered.length > 64 * 1024) socket.destroy();
        return;
      }
      socket.removeAllListeners('data');
      let args: unknown;
      try {
        args = (JSON.parse(buffered.slice(0, newline)) as { args?: unknown }).args;
      } catch {
        args = undefined;
      }
      if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string') || args[0] === 'start') {
        send({ err: 'gatehouse: the control channel takes the arguments of one command other than start' });
        socket.end(`${JSON.stringify({ exit: 2 })}\n`);
        return;
      }
      options.logger.info({ command: args.filter((arg) => !arg.startsWith('-')).slice(0, 2).join(' ') }, 'control channel: running a command');
      const io: CommandIo = { out: (line) => send({ out: line }), err: (line) => send({ err: line }) };
      context.run(options.context, () => options.run(args as string[], io)).then(
        (exit) => socket.end(`${JSON.stringify({ exit })}\n`),
        (err: unknown) => {
          send({ err: `gatehouse: ${(err as Error)?.message ?? String(err)}` });
          socket.end(`${JSON.stringify({ exit: 1 })}\n`);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(file, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      }),
  };
}

/**
 * Runs a command in the process serving DATA_DIR. Undefined when nothing answers on the socket
 * (no server, or one that died), so the caller can open the database itself.
 */
export function callControlChannel(dataDir: string, args: string[], io: CommandIo): Promise<number | undefined> {
  const file = controlSocketPath(dataDir);
  if (!existsSync(file)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let connected = false;
    let exit: number | undefined;
    let buffered = '';
    const socket = net.connect(file, () => {
      connected = true;
      socket.write(`${JSON.stringify({ args })}\n`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline)) as { out?: string; err?: string; exit?: number };
        buffered = buffered.slice(newline + 1);
        if (message.out !== undefined) io.out(message.out);
        if (message.err !== undefined) io.err(message.err);
        if (message.exit !== undefined) exit = message.exit;
      }
    });
    socket.on('error', () => {
      if (!connected) resolve(undefined);
    });
    socket.on('close', () => {
      if (connected) resolve(exit ?? 1);
    });
  });
}
