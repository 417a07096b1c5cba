/**
 * A conversation's live events over fetch (EventSource cannot send Authorization): parses
 * Server-Sent Events, reconnects when the stream ends or fails, and resumes with `Last-Event-ID`
 * so nothing is missed. The caller drops events it has already seen (by sequence number).
 */
export interface StreamOptions {
  url: string;
  token(): Promise<string>;
  /** The id to resume after: the last sequence number the widget holds. */
  lastEventId(): number;
  onEvent(type: string, id: number, data: string): void;
  /** The credential was refused (401/403): renew it before the next try. */
  onRefused(status: number): Promise<void>;
  onState?(connected: boolean): void;
}

const MIN_DELAY = 500;
const MAX_DELAY = 30_000;

export function followEvents(options: StreamOptions): () => void {
  const abort = new AbortController();
  let delay = MIN_DELAY;
  const wait = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });

  async function connectOnce(): Promise<void> {
    const res = await fetch(options.url, {
      headers: { authorization: `Bearer ${await options.token()}`, accept: 'text/event-stream', 'last-event-id': String(options.lastEventId()) },
      signal: abort.signal, credentials: 'omit', cache: 'no-store',
    });
    if (res.status === 401 || res.status === 403) {
      await options.onRefused(res.status);
      return;
    }
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    options.onState?.(true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      delay = MIN_DELAY;
      buffer += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  function dispatch(block: string): void {
    let type = 'message';
    let id: number | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && /^\d+$/.test(value)) id = Number(value);
    }
    if (id !== undefined && data.length > 0) options.onEvent(type, id, data.join('\n'));
  }

  void (async () => {
    while (!abort.signal.aborted) {
      try {
        await connectOnce();
      } catch {
        // Network errors and aborted streams alike: try again after the delay.
      }
      options.onState?.(false);
      if (abort.signal.aborted) return;
      await wait(delay);
      delay = Math.min(delay * 2, MAX_DELAY);
    }
  })();
  return () => abort.abort();
}
