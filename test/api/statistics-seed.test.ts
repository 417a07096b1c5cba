import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKFILL_REPLY_TIMES } from '../../migrations/20261215200000_add_message_reply_times.js';
import { messageContent } from '../../src/contract/message-content.js';
import { RICH_TEMPLATES } from '../../src/cli/seed/content.js';
import { generateHistory, type SeedOptions } from '../../src/cli/seed/generate.js';
import { createDatabase } from '../../src/db/knex.js';
import { runCli } from '../helpers/cli.js';
import { startApiHarness, type ApiHarness } from './harness.js';

// `gatehouse seed`: exact counts, the same rows for the same seed, rows the API's own rules
// accept (message content, ticket states), and a command line that refuses nonsense.

const TABLES = ['organizations', 'users', 'memberships', 'organization_groups', 'tags', 'widgets', 'visitors', 'conversations', 'messages',
  'conversation_ratings', 'conversation_tags', 'tickets', 'ticket_messages', 'ticket_events', 'ticket_tags'];

async function counts(knex: Knex): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = Number(((await knex(table).count({ n: '*' })) as { n: string | number }[])[0]!.n);
  return out;
}

/** One digest of every generated table, rows in a fixed order. */
async function digest(knex: Knex): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const { rows } = (await knex.raw(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as d from ${table} t`)) as { rows: { d: string }[] };
    parts.push(rows[0]!.d);
  }
  return parts.join(':');
}

const options = (seed: string): SeedOptions => ({
  organizations: 2, conversations: 41, messagesPerConversation: 6, tickets: 17, seed, end: new Date('2026-06-01T00:00:00Z'),
});

describe('gatehouse seed', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(() => api.close());

  /** Generates inside a transaction that is rolled back, so each run starts from the same database. */
  async function generateAndMeasure(seed: string) {
    const knex = api.runtime.db.knex;
    const before = await counts(knex);
    let result: { added: Record<string, number>; digest: string } | undefined;
    await knex.transaction(async (trx) => {
      await generateHistory(trx, options(seed));
      const after = await counts(trx);
      result = { added: Object.fromEntries(TABLES.map((table) => [table, after[table]! - before[table]!])), digest: await digest(trx) };
      const contents = (await trx('messages').select('content')) as { content: unknown }[];
      expect(contents.filter((row) => !messageContent.safeParse(row.content).success)).toEqual([]);
      // DESIGN.md's ticket rules hold in the generated history.
      expect(Number(((await trx('tickets').whereIn('status', ['solved', 'closed']).where((q) => q.whereNull('assignee_id').orWhereNull('solved_at')).count({ n: '*' })) as { n: string }[])[0]!.n)).toBe(0);
      expect(Number(((await trx('conversations').where('status', 'closed').whereNull('ended_at').count({ n: '*' })) as { n: string }[])[0]!.n)).toBe(0);
      expect(Number(((await trx('messages').where('created_at', '>', '2026-06-01T00:00:00Z').count({ n: '*' })) as { n: string }[])[0]!.n)).toBe(0);
      // Reply times as the migration's backfill computes them from the messages alone.
      const replies = async () => ((await trx('messages').orderBy('id').select('id', trx.raw('(reply_seconds * 1000)::bigint as ms'))) as { ms: unknown }[]).map((row) => row.ms === null ? null : Number(row.ms));
      const generated = await replies();
      await trx('messages').update({ reply_seconds: null });
      await trx.raw(BACKFILL_REPLY_TIMES);
      expect(await replies()).toEqual(generated);
      expect(generated.filter((ms) => ms !== null).length).toBeGreaterThan(20);
      throw new RolledBack();
    }).catch((err: unknown) => {
      if (!(err instanceof RolledBack)) throw err;
    });
    return result!;
  }

  it('writes exact counts, and the same seed writes the same rows', async () => {
    const first = await generateAndMeasure('alpha');
    expect(first.added).toMatchObject({
      organizations: 2, users: 26, memberships: 26, organization_groups: 6, tags: 12, widgets: 4, visitors: 7 + 7,
      conversations: 41, messages: 246, tickets: 17,
    });
    expect((await generateAndMeasure('alpha')).digest).toBe(first.digest);
    expect((await generateAndMeasure('beta')).digest).not.toBe(first.digest);
  }, 120_000);

  it('every rich template is valid message content', () => {
    for (const template of RICH_TEMPLATES) expect(messageContent.safeParse(template).success, template.type).toBe(true);
  });

  it('runs as a command, and refuses a bad count', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-seed-'));
    try {
      const env = { DATA_DIR: dir };
      const bad = await runCli(['seed', '--conversations', 'many'], env);
      expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--conversations must be a whole number')]);
      const run = await runCli(['seed', '--organizations', '1', '--conversations', '5', '--messages-per-conversation', '3', '--tickets', '2', '--seed', 'cli', '--end', '2026-06-01T00:00:00Z'], env);
      expect(run.stdout, run.stderr).toContain('seeded 1 organizations, 5 conversations, 15 messages, 2 tickets');
      expect(run.code).toBe(0);
      const db = createDatabase({ dataDir: dir });
      try {
        expect(await counts(db.knex)).toMatchObject({ conversations: 5, messages: 15, tickets: 2 });
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

class RolledBack extends Error {}
