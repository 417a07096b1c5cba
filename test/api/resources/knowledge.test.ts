import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Tenant } from '../harness.js';

// Seed 000 "manage your knowledge base": articles (draft/published) in categories.
describe('knowledge items and categories', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
  });
  afterAll(() => api.close());

  it('publishing stamps published_at, drafting clears it; lists filter by status, category and title', async () => {
    const agent = tenant.identity('agent');
    const category = await api.call(agent, 'POST', '/v2/knowledge-categories', { name: 'Billing' });
    const categoryId = (category.body.data as { id: string }).id;
    const draft = await api.call(agent, 'POST', '/v2/knowledge-items', { title: 'Refunds', body: 'How refunds work', category_id: categoryId });
    const item = draft.body.data as { id: string; status: string; published_at: string | null; author_id: string };
    expect(item).toMatchObject({ status: 'draft', published_at: null, author_id: tenant.users.agent.id, category_id: categoryId, tags: [] });
    await api.call(agent, 'POST', '/v2/knowledge-items', { title: 'Invoices', body: '…', status: 'published' });

    const published = await api.call(agent, 'PATCH', `/v2/knowledge-items/${item.id}`, { status: 'published' });
    expect((published.body.data as { published_at: string }).published_at).toMatch(/^\d{4}-/);
    const titles = async (query: string) =>
      ((await api.call(agent, 'GET', `/v2/knowledge-items?${query}`)).body.data as Array<{ title: string }>).map((row) => row.title);
    expect(await titles('status=published')).toEqual(['Refunds', 'Invoices']);
    expect(await titles(`category_id=${categoryId}`)).toEqual(['Refunds']);
    expect(await titles('q=invo')).toEqual(['Invoices']);
    expect(await titles('q=%25')).toEqual([]);

    const redrafted = await api.call(agent, 'PATCH', `/v2/knowledge-items/${item.id}`, { status: 'draft' });
    expect(redrafted.body.data).toMatchObject({ status: 'draft', published_at: null });
    const counted = await api.call(agent, 'GET', `/v2/knowledge-categories/${categoryId}`);
    expect(counted.body.data).toMatchObject({ item_count: 1 });
  });

  it('deleting a category (bot) leaves its articles uncategorised', async () => {
    const category = await api.call(tenant.identity('agent'), 'POST', '/v2/knowledge-categories', { name: 'Temporary' });
    const categoryId = (category.body.data as { id: string }).id;
    const article = await api.call(tenant.identity('agent'), 'POST', '/v2/knowledge-items', { title: 'Kept', body: 'x', category_id: categoryId });
    const removed = await api.call(tenant.identity('bot'), 'DELETE', `/v2/knowledge-categories/${categoryId}`);
    expect(removed.status).toBe(200);
    const kept = await api.call(tenant.identity('agent'), 'GET', `/v2/knowledge-items/${(article.body.data as { id: string }).id}`);
    expect(kept.body.data).toMatchObject({ title: 'Kept', category_id: null });
  });
});
