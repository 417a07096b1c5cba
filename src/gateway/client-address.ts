import type http from 'node:http';

/**
 * The client's address and the scheme/host it used. The socket's peer is the client unless the
 * peer is a configured trusted proxy; then `X-Forwarded-For` is read from the right, skipping
 * trusted hops, and the first untrusted address is the client (anything left of it could be
 * spoofed by the client itself).
 */
export interface ClientAddress {
  ip: string;
  proto: string;
  host: string | undefined;
}

export function createClientAddressReader(trustedProxies: readonly string[]): (req: http.IncomingMessage) => ClientAddress {
  const trusted = new Set(trustedProxies.map(normaliseIp));
  return (req) => {
    const peer = normaliseIp(req.socket.remoteAddress ?? '');
    const proto = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
    const host = typeof req.headers.host === 'string' && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(req.headers.host) ? req.headers.host : undefined;
    if (!trusted.has(peer)) return { ip: peer, proto, host };
    const forwarded = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((h) => normaliseIp(h.trim())).filter(Boolean);
    let ip = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      ip = hops[i]!;
      if (!trusted.has(ip)) break;
    }
    const fwdProto = single(req.headers['x-forwarded-proto']);
    const fwdHost = single(req.headers['x-forwarded-host']);
    return {
      ip,
      proto: fwdProto === 'https' || fwdProto === 'http' ? fwdProto : proto,
      host: fwdHost !== undefined && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(fwdHost) ? fwdHost : host,
    };
  };
}

function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]?.trim();
}

function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
