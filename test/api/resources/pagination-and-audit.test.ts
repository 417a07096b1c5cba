import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

describe('cursor pagination', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it('defaults to 20, caps at 100, and never repeats or skips a row while rows are inserted', async () => {
    const bot = tenant.identity('bot');
    const original: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await api.call(bot, 'POST', '/v2/contacts', { name: `Contact ${i}` });
      original.push((res.body.data as { id: string }).id);
    }
    const first = await api.call(bot, 'GET', '/v2/contacts');
    expect((first.body.data as unknown[]).length).toBe(20);
    expect(first.body.next_cursor).toEqual(expect.any(String));

    const seen: string[] = [];
    let cursor: string | null | undefined;
    let page = 0;
    do {
      const res = await api.call(bot, 'GET', `/v2/contacts?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(res.body.data as Array<{ id: string }>).map((row) => row.id));
      cursor = res.body.next_cursor;
      // Someone inserts while we page.
      if (page++ < 3) await api.call(bot, 'POST', '/v2/contacts', { name: `Inserted ${page}` });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 25)).toEqual(original);
    expect(seen).toHaveLength(28);
  });

  // Rows written in one transaction share now(): only the id tiebreaker in the cursor keeps a
  // page boundary between two of them from skipping or repeating one.
  async function pageAll(path: string, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const res = await api.call(tenant.identity('admin'), 'GET', `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as Array<{ id: string }>).map((row) => row.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    return seen;
  }

  it('pages through rows with equal timestamps, oldest first, each exactly once', async () => {
    const other = await api.tenant('Equal timestamps');
    const knex = api.runtime.db.knex;
    const rows = await knex.transaction((trx) =>
      trx('contacts').insert(Array.from({ length: 9 }, (_, i) => ({ organization_id: other.organizationId, name: `Same instant ${i}` }))).returning(['id', 'created_at']),
    );
    expect(new Set(rows.map((row: { created_at: Date }) => row.created_at.getTime())).size).toBe(1);
    const byId = rows.map((row: { id: string }) => row.id).sort();
    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | null | undefined;
      do {
        const res = await api.call(other.identity('bot'), 'GET', `/v2/contacts?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...(res.body.data as Array<{ id: string }>).map((row) => row.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(byId);
    }
  });

  it('pages through rows with equal timestamps, newest first, each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.call(tenant.identity('agent'), 'POST', '/v2/tickets', { subject: `Same instant ${i}` });
      ids.push((res.body.data as { id: string }).id);
    }
    await api.runtime.db.knex('tickets').whereIn('id', ids).update({ created_at: new Date('2026-01-02T03:04:05.678Z') });
    const descending = [...ids].sort().reverse();
    for (const limit of [1, 2, 3]) expect(await pageAll('/v2/tickets', limit), `limit ${limit}`).toEqual(descending);
  });
});

describe('audit trail', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it('writes who, what, when and the request id for each create, update and delete; nothing for a refused change', async () => {
    const admin = tenant.identity('admin');
    const created = await api.call(admin, 'POST', '/v2/forms', {
      name: 'Offline', fields: [{ key: 'message', label: 'Message', type: 'textarea', required: true }],
    });
    const id = (created.body.data as { id: string }).id;
    const updated = await api.call(tenant.identity('bot'), 'PATCH', `/v2/forms/${id}`, { description: 'Shown when offline' });
    const deleted = await api.call(admin, 'DELETE', `/v2/forms/${id}`);
    const refused = await api.call(admin, 'PATCH', `/v2/forms/${id}`, { name: 'x' });
    expect(refused.status).toBe(404);

    const events = await api.call(admin, 'GET', `/v2/audit-events?resource_id=${id}`);
    const rows = events.body.data as Array<Record<string, unknown>>;
    expect(rows.map((row) => [row.action, row.actor_id, row.request_id])).toEqual([
      ['forms.create', tenant.users.admin.id, created.headers.get('x-request-id')],
      ['forms.update', tenant.users.bot.id, updated.headers.get('x-request-id')],
      ['forms.delete', tenant.users.admin.id, deleted.headers.get('x-request-id')],
    ]);
    expect(rows[1]).toMatchObject({ resource_type: 'form', actor_kind: 'user', changes: { description: 'Shown when offline' }, organization_id: tenant.organizationId });
    const one = await api.call(admin, 'GET', `/v2/audit-events/${rows[0]!.id as string}`);
    expect(one.body.data).toEqual(rows[0]);
  });

  it('never stores a password in the trail', async () => {
    // Issue 17: users.create takes no password at all; the invitee chooses theirs on accepting.
    const refused = await api.call(tenant.identity('admin'), 'POST', '/v2/users', { email: 'secretive@example.test', role: 'guest', password: 'super-secret-1' });
    expect([refused.status, refused.body.error]).toEqual([400, 'validation_failed']);
    const invited = await api.call(tenant.identity('admin'), 'POST', '/v2/invitations', { email: 'secretive@example.test', role: 'guest' });
    expect(invited.status).toBe(201);
    const mail = await api.runtime.db.knex('mails').where({ recipient: 'secretive@example.test', purpose: 'invitation' }).first();
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail.body)![1]!;
    const accepted = await api.call(undefined, 'POST', '/v2/invitations/accept', { token, password: 'super-secret-1' });
    expect(accepted.status).toBe(200);
    const rows = await api.runtime.db.knex('audit_events').whereIn('action', ['users.create', 'invitations.create', 'invitations.accept']);
    expect(rows.map((row: { action: string }) => row.action).sort()).toEqual(['invitations.accept', 'invitations.create']);
    expect(JSON.stringify(rows)).not.toContain('super-secret-1');
  });
});
