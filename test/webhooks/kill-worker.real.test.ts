import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { TEST_SECRET } from '../helpers/runtime.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../api/harness.js';
import { ok, startConversation, text } from '../api/resources/chat-fixtures.js';
import { addEndpoint, startReceiver, verify, type Answer, type Receiver } from './helpers.js';

// At least once across a crash (issue 11): a real `gatehouse start --role worker` on Postgres and
// Redis is killed with SIGKILL while the receiver holds its answer; a new worker then delivers
// every event, the interrupted one again under the same webhook-id. Processes on real backends:
// the postgres project only.
describe('webhook worker killed mid-delivery', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let receiver: Receiver;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    receiver = await startReceiver();
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await api.close();
    await receiver.close();
  });

  function worker(): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
    const { config } = api.runtime;
    const child = spawnCli(['start', '--role', 'worker'], {
      NODE_ENV: 'test', SECRET: TEST_SECRET, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'gatehouse-webhook-worker-')),
      DATABASE_URL: config.DATABASE_URL!, REDIS_URL: config.REDIS_URL!, REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`, WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_POLL_INTERVAL_MS: '250',
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), output: () => output };
  }

  it('delivers every event at least once, the interrupted one again with the same webhook-id', async () => {
    const hook = await addEndpoint(api.runtime.db.knex, api.runtime.secrets, tenant.organizationId, { url: `${receiver.url}/hook` });
    let hold = true;
    const held: (() => void)[] = [];
    receiver.respond(() => (hold ? new Promise<Answer>((resolve) => held.push(() => resolve({ status: 204 }))) : { status: 204 }));

    const first = worker();
    const token = await startConversation(api, tenant);
    for (const words of ['one', 'two', 'three']) ok(await api.call(tenant.identity('agent'), 'POST', `/v2/conversations/${token}/messages`, { content: text(words) }), 201);
    await receiver.waitFor(1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    hold = false;
    held.splice(0).forEach((release) => release());

    const second = worker();
    await receiver.waitFor(5);
    const events = (await api.runtime.db.knex('outbox_events').where({ organization_id: tenant.organizationId }).orderBy('position').select('id')) as { id: string }[];
    const ids = receiver.received.map((delivery) => delivery.id);
    expect(ids).toEqual([events[0]!.id, ...events.map((event) => event.id)]);
    for (const delivery of receiver.received) expect(verify(hook.secret, delivery)).toEqual(delivery.envelope);
    const deliveries = (await api.runtime.db.knex('webhook_deliveries').where({ endpoint_id: hook.id }).orderBy('position').select('status', 'attempt')) as { status: string; attempt: number }[];
    // The killed attempt was counted when claimed; it left no attempt row.
    expect(deliveries).toEqual([{ status: 'delivered', attempt: 2 }, ...Array(3).fill({ status: 'delivered', attempt: 1 })]);

    second.child.kill('SIGTERM');
    const code = await second.exited;
    if (code !== 0) console.error(second.output());
    expect(code).toBe(0);
  }, 60_000);
});
