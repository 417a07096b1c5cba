import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../src/db/accounts.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { ADMIN, createUser, defaultOrganizationId } from './helpers/oauth.js';
import { extractForm, UserAgent, type Step } from './helpers/user-agent.js';

// Settings > Webhooks (issue 11) without a browser: who may open it, CSRF on every form, the
// secret shown once, the rules of the API (URL, events) on the page's forms too, and another
// organization's endpoints out of reach. The Chromium story is webhooks-browser.test.ts.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('Settings > Webhooks page', () => {
  let gatehouse: TestGatehouse;
  let organizationId: string;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    organizationId = await defaultOrganizationId(gatehouse);
  });
  afterAll(() => gatehouse?.stop());

  async function signIn(user: { email: string; password: string }, path = '/account/webhooks'): Promise<[UserAgent, Step]> {
    const agent = new UserAgent(gatehouse.url);
    const login = await agent.follow(path);
    expect(login.body).toContain('Sign in');
    const done = await agent.submit(login, user);
    return [agent, await agent.follow(done.location!)];
  }
  const post = (agent: UserAgent, page: Step, action: string, pairs: Array<[string, string]>) => {
    const { fields } = extractForm(page.body, action);
    return agent.request(extractForm(page.body, action).action, { method: 'POST', body: new URLSearchParams([...Object.entries(fields), ...pairs]), headers: FORM });
  };

  it('brings an admin back to the page after sign-in, creates an endpoint and shows its secret once', async () => {
    const [agent, page] = await signIn(ADMIN);
    expect([page.status, page.url]).toEqual([200, `${gatehouse.url}/account/webhooks`]);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.body).not.toMatch(/(src|href)="https?:\/\//);

    const created = await post(agent, page, '/account/webhooks', [
      ['organization', organizationId], ['url', 'https://hooks.example.test/page'], ['events', 'chat.started'], ['events', 'ticket.created'], ['author_types', 'visitor'],
    ]);
    expect(created.status).toBe(303);
    const endpoint = await agent.follow(created.location!);
    const secret = /id="webhook-secret-value">(whsec_[^<]+)</.exec(endpoint.body)?.[1];
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint.body).toContain(`<script src="/account/webhooks/copy.js"></script>`);
    const id = new URL(endpoint.url).pathname.split('/').pop()!;
    const row = await gatehouse.runtime.db.knex('webhook_endpoints').where({ id }).first();
    expect([row.organization_id, row.events, row.message_author_types]).toEqual([organizationId, ['chat.started', 'ticket.created'], ['visitor']]);
    const again = await agent.follow(endpoint.url);
    expect(again.body).not.toContain(secret);
    expect(again.body).not.toContain('whsec_');
    const list = await agent.follow('/account/webhooks');
    expect(list.body).toContain(`data-webhook="${id}"`);
    expect(list.body).not.toContain('whsec_');
    const script = await agent.request('/account/webhooks/copy.js');
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    const account = await agent.follow('/account');
    expect(account.body).toContain('id="webhooks-link"');
  });

  it('edits events, disables and enables, rotates (the new secret once) and deletes from the endpoint page', async () => {
    const [agent, page] = await signIn(ADMIN);
    const created = await post(agent, page, '/account/webhooks', [['organization', organizationId], ['url', 'https://hooks.example.test/edit'], ['events', 'chat.started']]);
    let endpoint = await agent.follow(created.location!);
    const first = /id="webhook-secret-value">(whsec_[^<]+)</.exec(endpoint.body)![1]!;
    const id = new URL(endpoint.url).pathname.split('/').pop()!;
    const row = () => gatehouse.runtime.db.knex('webhook_endpoints').where({ id }).first();
    const act = async (action: string, pairs: Array<[string, string]> = []) => {
      const res = await post(agent, endpoint, `/account/webhooks/${id}/${action}`, pairs);
      expect(res.status, action).toBe(303);
      endpoint = await agent.follow(res.location!);
      return endpoint;
    };

    await act('edit', [['url', 'https://hooks.example.test/edited'], ['description', 'Edited'], ['events', 'message.created'], ['author_types', 'visitor'], ['author_types', 'bot']]);
    expect(endpoint.body).toContain('id="webhook-notice">Saved.</p>');
    expect(await row()).toMatchObject({ url: 'https://hooks.example.test/edited', description: 'Edited', events: ['message.created'], message_author_types: ['visitor', 'bot'] });
    await act('enabled'); // the Disable button's own hidden field
    expect(endpoint.body).toContain('data-state="disabled"');
    expect(await row()).toMatchObject({ enabled: false, disabled_reason: 'Disabled by an admin.' });
    await act('test');
    expect(endpoint.body).toContain('id="webhook-error">The webhook is disabled: enable it first.</p>');
    await act('enabled'); // now the Enable button
    expect(await row()).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });

    await act('rotate-secret');
    const second = /id="webhook-secret-value">(whsec_[^<]+)</.exec(endpoint.body)?.[1];
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(endpoint.body).toContain('The previous secret signs too until');
    expect((await agent.follow(endpoint.url)).body).not.toContain('whsec_');
    expect((await row()).previous_secret).not.toBeNull();

    const deleted = await post(agent, endpoint, `/account/webhooks/${id}/delete`, []);
    const list = await agent.follow(deleted.location!);
    expect(list.body).toContain('The webhook was deleted.');
    expect(await row()).toBeUndefined();
  });

  it('refuses what the API refuses, with the reason on the page', async () => {
    const [agent, page] = await signIn(ADMIN);
    for (const [pairs, reason] of [
      [[['url', 'http://hooks.example.test/'], ['events', '*']], 'url: must be an https:// URL (plain http:// only for hosts the operator allows in WEBHOOK_ALLOWED_HOSTS)'],
      [[['url', 'https://u:p@hooks.example.test/'], ['events', '*']], 'url: must not contain a user name or password'],
      [[['url', 'https://hooks.example.test/']], 'events: must name at least one event type, or "*"'],
      [[['url', 'https://hooks.example.test/'], ['events', '*'], ['events', 'chat.started']], 'events: "*" already means every event type: send it alone'],
    ] as Array<[Array<[string, string]>, string]>) {
      const res = await post(agent, page, '/account/webhooks', [['organization', organizationId], ...pairs]);
      expect(res.status).toBe(303);
      const shown = await agent.follow(res.location!);
      expect(shown.body).toContain(`<p class="error" role="alert" id="webhook-error">${reason.replaceAll('"', '&quot;')}</p>`);
    }
  });

  it('refuses a form without the CSRF token or with another session\'s, and changes nothing', async () => {
    const [agent, page] = await signIn(ADMIN);
    const [, otherPage] = await signIn(ADMIN);
    const before = await gatehouse.runtime.db.knex('webhook_endpoints').count({ n: '*' }).first();
    const body = `organization=${organizationId}&url=https%3A%2F%2Fhooks.example.test%2Fforged&events=*`;
    const missing = await agent.request('/account/webhooks', { method: 'POST', body, headers: FORM });
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('did not come from this site');
    const foreign = extractForm(otherPage.body, '/account/webhooks').fields.csrf!;
    expect(extractForm(page.body, '/account/webhooks').fields.csrf).not.toBe(foreign);
    const stolen = await agent.request('/account/webhooks', { method: 'POST', body: `${body}&csrf=${encodeURIComponent(foreign)}`, headers: FORM });
    expect(stolen.status).toBe(403);
    const after = await gatehouse.runtime.db.knex('webhook_endpoints').count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
    const anonymous = await new UserAgent(gatehouse.url).request('/account/webhooks', { method: 'POST', body, headers: FORM });
    expect(anonymous.status).toBe(401);
  });

  it('keeps non-admins out (403 on the page and every form) and shows them no link', async () => {
    const agentUser = await createUser(gatehouse, [{ organizationId, role: 'agent' }]);
    const [agent, page] = await signIn(agentUser);
    expect(page.status).toBe(403);
    expect(page.body).toContain('Only admins of an organization manage its webhooks.');
    const { id } = (await gatehouse.runtime.db.knex('webhook_endpoints').where({ organization_id: organizationId }).first('id'))!;
    for (const path of ['/account/webhooks', `/account/webhooks/${id}/test`, `/account/webhooks/${id}/delete`, `/account/webhooks/${id}/rotate-secret`]) {
      expect((await agent.request(path, { method: 'POST', body: 'csrf=x', headers: FORM })).status, path).toBe(403);
    }
    expect((await agent.request(`/account/webhooks/${id}`)).status).toBe(403);
    const account = await agent.follow('/account');
    expect(account.body).not.toContain('id="webhooks-link"');
    expect(await gatehouse.runtime.db.knex('webhook_endpoints').where({ id })).toHaveLength(1);
  });

  it("gives the admin of another organization 404 for this organization's endpoints", async () => {
    const other = await insertOrganization(gatehouse.runtime.db.knex, { name: 'Elsewhere Ltd' });
    const stranger = await createUser(gatehouse, [{ organizationId: other.id, role: 'admin' }]);
    const { id } = (await gatehouse.runtime.db.knex('webhook_endpoints').where({ organization_id: organizationId }).first('id'))!;
    const [agent, page] = await signIn(stranger);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(id);
    expect((await agent.request(`/account/webhooks/${id}`)).status).toBe(404);
    const csrf = extractForm(page.body, '/account/webhooks').fields.csrf!;
    for (const action of ['test', 'delete', 'rotate-secret', 'edit']) {
      const res = await agent.request(`/account/webhooks/${id}/${action}`, { method: 'POST', body: `csrf=${encodeURIComponent(csrf)}&url=https%3A%2F%2Fx.example.test%2F&events=*`, headers: FORM });
      expect(res.status, action).toBe(404);
    }
    expect((await agent.request('/account/webhooks/not-an-id')).status).toBe(404);
    expect(await gatehouse.runtime.db.knex('webhook_deliveries').where({ endpoint_id: id })).toEqual([]);
  });
});
