/**
 * A Server-Sent Events reader over a fetch response, as the widget reads a stream (a browser's
 * EventSource cannot send an Authorization header): it parses the wire format of the HTML
 * standard (fields `id`, `event`, `data`, `retry`, comment lines) and hands out events in order.
 */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseReader {
  /** The next event, or rejects after `timeoutMs` (never waits forever in a test). */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Events until `count` have arrived. */
  take(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  comments: string[];
  close(): void;
}

export function readSse(response: Response, abort?: AbortController): SseReader {
  if (!response.body) throw new Error('no body to read');
  const queue: SseEvent[] = [];
  const waiters: ((event: SseEvent) => void)[] = [];
  const comments: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { id?: string; event?: string; data: string[] } = { data: [] };

  const dispatch = () => {
    if (current.data.length > 0 || current.event !== undefined) {
      const event = { id: current.id, event: current.event ?? 'message', data: current.data.join('\n') };
      const waiter = waiters.shift();
      if (waiter) waiter(event);
      else queue.push(event);
    }
    current = { data: [] };
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return void comments.push(text.slice(1).trim());
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') current.data.push(value);
    else if (field === 'event') current.event = value;
    else if (field === 'id') current.id = value;
  };

  const reader = response.body.getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
          const size = buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1;
          line(buffer.slice(0, newline));
          buffer = buffer.slice(newline + size);
        }
      }
    } catch {
      // aborted by close()
    }
  })();

  const next = (timeoutMs = 5_000) =>
    new Promise<SseEvent>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(done), 1);
        reject(new Error(`no event within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (event: SseEvent) => {
        clearTimeout(timer);
        resolve(event);
      };
      waiters.push(done);
    });

  return {
    next,
    async take(count, timeoutMs = 5_000) {
      const events: SseEvent[] = [];
      while (events.length < count) events.push(await next(timeoutMs));
      return events;
    },
    ended,
    comments,
    close() {
      abort?.abort();
      void reader.cancel().catch(() => {});
    },
  };
}
