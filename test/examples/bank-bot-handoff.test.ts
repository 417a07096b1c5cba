import { describe, expect, it } from 'vitest';
import { answer, type Freddy } from '../../examples/bank-bot/freddy.js';
import { GatehouseError, type Gatehouse } from '../../examples/bank-bot/gatehouse.js';

// Freddy's hand-off against a scripted API (the end-to-end story is in bank-bot.test.ts): who it
// picks, what it does when a transfer is refused, and what it says when there is nobody.

interface Call { method: string; path: string; body?: unknown }

function scripted(members: unknown[], refuse: (body: { assignee_id: string }) => boolean): { api: Gatehouse; calls: Call[] } {
  const calls: Call[] = [];
  const api: Gatehouse = {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      calls.push({ method, path, ...(body === undefined ? {} : { body }) });
      if (path === '/conversations/cnv_1') return { assignee_id: null, status: 'open' } as T;
      if (path === '/conversations/cnv_1/participants') return [] as T;
      if (path.startsWith('/members')) return members as T;
      if (path.endsWith('/transfer') && refuse(body as { assignee_id: string })) throw new GatehouseError(400, { error: 'validation_failed', message: 'assignee_id' });
      return {} as T;
    },
  };
  return { api, calls };
}

const member = (user_id: string, role: string, availability: string, is_bot = false) => ({ user_id, name: user_id, role, availability, is_bot });
const event = { id: 'evt_1', type: 'message.created', data: { conversation_token: 'cnv_1', author: { type: 'visitor' }, text: 'talk to a human', postback: null } };
const run = async (api: Gatehouse) => answer({ api, statementPage: () => 'http://127.0.0.1/x' } satisfies Freddy, event);
const said = (calls: Call[]) => calls.filter((c) => c.path.endsWith('/messages')).map((c) => (c.body as { content: { text: string } }).content.text);
const transfers = (calls: Call[]) => calls.filter((c) => c.path.endsWith('/transfer')).map((c) => (c.body as { assignee_id: string }).assignee_id);

describe("Freddy's hand-off", () => {
  it('tries online agents, then online admins, then offline people; never a bot or a guest', async () => {
    const members = [member('off-agent', 'agent', 'offline'), member('on-admin', 'admin', 'online'), member('robot', 'agent', 'online', true),
      member('guest', 'guest', 'online'), member('on-agent', 'agent', 'online'), member('off-admin', 'admin', 'offline')];
    const everyone = scripted(members, () => true);
    await run(everyone.api);
    expect(transfers(everyone.calls)).toEqual(['on-agent', 'on-admin', 'off-agent', 'off-admin']);
    expect(said(everyone.calls)).toEqual(['None of our advisers is available right now. Please call us on +44 1632 960001.']);

    const second = scripted(members, (body) => body.assignee_id === 'on-agent');
    await run(second.api);
    expect(transfers(second.calls)).toEqual(['on-agent', 'on-admin']);
    expect(said(second.calls)).toEqual(["I'm handing you over to on-admin, one of our advisers. They will answer you here."]);
  });

  it('says so when the organization has nobody to hand over to, and transfers nothing', async () => {
    const nobody = scripted([member('robot', 'bot', 'online', true)], () => false);
    await run(nobody.api);
    expect(transfers(nobody.calls)).toEqual([]);
    expect(said(nobody.calls)).toEqual(['None of our advisers is available right now. Please call us on +44 1632 960001.']);
  });

  it('passes on any other refusal instead of posting a hand-off that did not happen', async () => {
    const { api, calls } = scripted([member('on-agent', 'agent', 'online')], () => false);
    const failing: Gatehouse = {
      call: async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
        if (path.endsWith('/transfer')) throw new GatehouseError(409, { error: 'conflict' });
        return api.call<T>(method, path, body);
      },
    };
    await expect(run(failing)).rejects.toThrow(GatehouseError);
    expect(said(calls)).toEqual([]);
  });
});
