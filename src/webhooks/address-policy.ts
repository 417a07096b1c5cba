import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may connect (issue 11 "SSRF defence"): public unicast addresses only. The
 * worker checks every address a name resolves to before connecting to it, an IP-literal URL
 * before connecting at all, and the socket's peer once connected; the operator's
 * WEBHOOK_ALLOWED_HOSTS are exempt. Each refusal names its range.
 */
const RANGES: readonly [reason: string, cidrs: readonly string[]][] = [
  // Cloud metadata services first: the most telling name for 169.254.169.254.
  ['cloud metadata address', ['169.254.169.254/32', 'fd00:ec2::254/128']],
  ['unspecified address', ['0.0.0.0/8', '::/128']],
  ['loopback address', ['127.0.0.0/8', '::1/128']],
  ['private address', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
  ['link-local address', ['169.254.0.0/16', 'fe80::/10']],
  ['carrier-grade NAT address', ['100.64.0.0/10']],
  ['multicast address', ['224.0.0.0/4', 'ff00::/8']],
  // Broadcast, "future use", benchmarking, protocol assignments, documentation; IPv4-compatible,
  // NAT64 and 6to4/Teredo forms, which may lead to any IPv4 address.
  ['reserved address', ['240.0.0.0/4', '192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
    '::/96', '64:ff9b::/96', '64:ff9b:1::/48', '2001::/32', '2002::/16', '2001:db8::/32', '100::/64']],
];

const lists = RANGES.map(([reason, cidrs]) => {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [network, bits] = cidr.split('/') as [string, string];
    list.addSubnet(network, Number(bits), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  return { reason, list };
});

/** Why `address` (an IP literal, any form) may not be reached; undefined when it may. */
export function refusalOf(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return 'not an IP address';
  // ::ffff:a.b.c.d (also written ::ffff:7f00:1) is the IPv4 address a.b.c.d.
  const mapped = family === 6 ? ipv4Mapped(bare) : undefined;
  const [checked, type] = mapped ? [mapped, 'ipv4' as const] : [bare, family === 4 ? 'ipv4' as const : 'ipv6' as const];
  return lists.find(({ list }) => list.check(checked, type))?.reason;
}

function ipv4Mapped(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower.replace(/^::/, '0:0:0:0:0:'));
  if (dotted) return dotted[1];
  const hex = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(expand(lower));
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** `::ffff:7f00:1` as eight groups, so the mapped prefix is found however it was abbreviated. */
function expand(address: string): string {
  if (!address.includes('::')) return address;
  const [head, tail] = address.split('::') as [string, string];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].join(':');
}

/** Whether the operator exempted this URL's host (`name` or `name:port` in WEBHOOK_ALLOWED_HOSTS). */
export function isAllowedHost(url: URL, allowedHosts: readonly string[]): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  return allowedHosts.some((entry) => {
    const allowed = entry.trim().toLowerCase();
    return allowed === host || allowed === `${host}:${port}`;
  });
}

export class AddressRefused extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
  constructor(readonly host: string, readonly address: string | undefined, readonly reason: string) {
    super(address && address !== host ? `refused ${host} (${address}): ${reason}` : `refused ${host}: ${reason}`);
  }
}
