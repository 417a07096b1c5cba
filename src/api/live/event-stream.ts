import { PassThrough } from 'node:stream';
import type { EventEnvelope } from '../../contract/events.js';

/** A comment line keeps proxies and browsers from timing the stream out. */
export const HEARTBEAT_MS = 15_000;
/** Browsers wait this long before reconnecting (the `retry:` field). */
const RETRY_MS = 2_000;

export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // nginx and similar proxies would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * One Server-Sent Events response: `event:` is the type, `id:` the resume point, `data:` the
 * envelope as one line of JSON (JSON never holds a raw newline). Ends when the client goes away
 * or `close()` is called; `onClose` runs once either way.
 */
export class EventStream {
  readonly body = new PassThrough();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly closers: (() => void)[] = [];

  constructor() {
    this.body.write(`retry: ${RETRY_MS}\n\n`);
    this.heartbeat = setInterval(() => this.body.write(': heartbeat\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.body.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(id: number, envelope: EventEnvelope): void {
    if (this.closed) return;
    this.body.write(`id: ${id}\nevent: ${envelope.type}\ndata: ${JSON.stringify(envelope)}\n\n`);
  }

  onClose(closer: () => void): void {
    if (this.closed) closer();
    else this.closers.push(closer);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const closer of this.closers.splice(0)) closer();
    this.body.end();
  }
}

/** `Last-Event-ID` (what a reconnecting browser sends) or the `after` query, whichever is later. */
export function resumePoint(lastEventId: string | string[] | undefined, after: number | undefined): number {
  const header = typeof lastEventId === 'string' && /^[0-9]{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : 0;
  return Math.max(header, after ?? 0);
}
