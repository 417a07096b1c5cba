import type http from 'node:http';
import { AppError } from '../shared/errors.js';

/**
 * HTTP/1.1 message framing that RFC 9112 says a server MUST refuse with 400 and Node's parser
 * lets through (it already refuses a missing Host, Content-Length with Transfer-Encoding, two
 * Content-Lengths, obs-fold and space before a colon):
 * - more than one Host field line, or a Host that is not `uri-host [":" port]` (§3.2);
 * - a Transfer-Encoding whose final coding is not chunked (§6.3), since then the length of the
 *   body cannot be known and a second parser could read the next request out of it.
 * Before routing: a request two parsers could read two ways never reaches an upstream.
 */
// RFC 3986 host: an IP literal, or reg-name (unreserved, pct-encoded, sub-delims); then a port.
const validHost = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

export function checkFraming(req: http.IncomingMessage): void {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts++;
      if (hosts > 1) throw bad('More than one Host header field.');
      if (!validHost.test(raw[i + 1]!)) throw bad('The Host header field is not a valid host.');
    }
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && !/(?:^|,)\s*chunked\s*$/i.test(te)) throw bad('Transfer-Encoding must end with chunked.');
}

// The connection closes after the answer: what follows on it cannot be trusted to be a request.
const bad = (message: string) => new AppError('invalid_request', message, { headers: { connection: 'close' } });
