import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SPLIT_API_PORT, SPLIT_AUTH_PORT } from '../../src/cli/start.js';
import { configSchema } from '../../src/shared/config/index.js';

// docker-compose.yml cannot be run here (no Docker): its structure is checked instead. The
// scaled profile runs every role on its own, migrations once before them, two gateways behind
// the load balancer, and sets only settings Gatehouse knows.

const rootUrl = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', rootUrl), 'utf8'), { merge: true }) as {
  services: Record<string, { profiles?: string[]; command?: string[]; image?: string; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> | string[]; ports?: string[]; volumes?: string[] }>;
};
const settings = new Set(Object.keys(configSchema.in.shape));
const scaled = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('scaled'));

describe('docker-compose.yml', () => {
  it('keeps the single container of `docker compose up`', () => {
    expect(compose.services.gatehouse!.profiles).toBeUndefined();
    expect(compose.services.gatehouse!.ports).toEqual(['8080:8080']);
  });

  it('runs the roles separately in the scaled profile, migrating once first', () => {
    const roles = Object.fromEntries(scaled.filter(([, s]) => s.command).map(([name, s]) => [name, s.command!.join(' ')]));
    expect(roles).toEqual({
      migrate: 'migrate', auth: 'start --role auth', api: 'start --role api', worker: 'start --role worker',
      'gateway-1': 'start --role gateway', 'gateway-2': 'start --role gateway',
    });
    for (const name of ['auth', 'api', 'worker', 'gateway-1', 'gateway-2']) {
      expect(compose.services[name]!.depends_on, name).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    }
    const nginx = readFileSync(new URL('deploy/compose/nginx.conf', rootUrl), 'utf8');
    expect(nginx.match(/server gateway-\d:8080;/g)).toEqual(['server gateway-1:8080;', 'server gateway-2:8080;']);
    expect(compose.services.balancer!.volumes).toEqual(['./deploy/compose/nginx.conf:/etc/nginx/conf.d/default.conf:ro']);
  });

  it('sets only settings Gatehouse knows, the same on every role, pointing at the roles by name', () => {
    for (const [name, service] of [...scaled, ['gatehouse', compose.services.gatehouse!] as const]) {
      for (const key of Object.keys(service.environment ?? {})) expect(settings, `${name}: ${key}`).toContain(key);
    }
    const env = compose.services['gateway-1']!.environment!;
    expect(env.SECRET).toBe('${GATEHOUSE_SECRET:?set GATEHOUSE_SECRET to 32+ random characters}');
    expect(env.AUTH_UPSTREAM_URL).toBe(`http://auth:${SPLIT_AUTH_PORT}`);
    expect(env.API_UPSTREAM_URL).toBe(`http://api:${SPLIT_API_PORT}`);
    expect(env.GATEWAY_PROCESS_COUNT).toBe('2');
    for (const [name, service] of scaled.filter(([, s]) => s.command)) expect(service.environment, name).toEqual(env);
  });
});
