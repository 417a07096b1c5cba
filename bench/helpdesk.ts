/**
 * `npm run bench:helpdesk` (issue 12 "Benchmark"): the helpdesk reads at a million messages, side
 * by side in one run. The resource API runs in this process on Postgres, on loopback, and each
 * request carries a signed identity assertion as the gateway would attach (the gateway itself is
 * measured in bench/run.ts). Requests go one at a time, in rounds that interleave the scenarios,
 * so every scenario sees the same machine; each request's SQL statements are counted through
 * knex's `query` events. Afterwards every statement a scenario ran is explained
 * (`EXPLAIN (ANALYZE, COSTS OFF)`) and the plan checked for sequential scans.
 *
 * Environment: BENCH_DATABASE_URL (a Postgres database; seeded with `gatehouse seed
 * --organizations 2 --conversations 100000 --messages-per-conversation 10 --tickets 50000 --seed
 * bench --end 2026-12-01T00:00:00Z` when it holds fewer than 100,000 conversations),
 * BENCH_ROUNDS (5), BENCH_PER_ROUND (20 requests per scenario per round), BENCH_PLANS (a file
 * to write the plans to, as Markdown).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Knex } from 'knex';
import { createApiComponent } from '../src/api/app.js';
import { generateHistory } from '../src/cli/seed/generate.js';
import { createRuntime } from '../src/cli/runtime.js';
import { bodySha256, IDENTITY_HEADER, signIdentity, type Identity } from '../src/contract/identity.js';
import { createDatabase } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import { loadConfig } from '../src/shared/config/index.js';
import { createLogger } from '../src/shared/logger.js';
import { listen } from '../src/shared/server.js';

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error('BENCH_DATABASE_URL must name a Postgres database');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const perRound = Number(process.env.BENCH_PER_ROUND ?? 20);
const END = new Date('2026-12-01T00:00:00Z');

const db = createDatabase({ url });
const knex = db.knex;
await migrateLatest(knex);
const count = async (table: string) => Number(((await knex(table).count({ n: '*' })) as { n: string }[])[0]!.n);
if ((await count('conversations')) < 100_000) {
  console.error('seeding 100,000 conversations, 1,000,000 messages, 50,000 tickets …');
  await generateHistory(knex, { organizations: 2, conversations: 100_000, messagesPerConversation: 10, tickets: 50_000, seed: 'bench', end: END }, console.error);
  // As autovacuum would leave it: statistics for the planner, and a visibility map that lets
  // index-only scans skip the heap.
  await knex.raw('vacuum analyze');
}

// The busiest organization and its busiest agent: the worst case for a filter by agent.
const { organization_id: org } = (await knex('conversations').select('organization_id').count({ n: '*' }).groupBy('organization_id').orderBy('n', 'desc').first()) as { organization_id: string };
const { assignee_id: agentId } = (await knex('conversations').where({ organization_id: org }).whereNotNull('assignee_id')
  .select('assignee_id').count({ n: '*' }).groupBy('assignee_id').orderBy('n', 'desc').first()) as { assignee_id: string };
const tokens = ((await knex('conversations').where({ organization_id: org }).orderByRaw('md5(token)').limit(200).select('token')) as { token: string }[]).map((row) => row.token);

const config = loadConfig({
  env: {}, configDir: '/nonexistent',
  overrides: { NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: 0, AUTH_PORT: 0, API_PORT: 0, SECRET: 'bench-secret-that-is-long-enough-0123456789', DATABASE_URL: url, DATA_DIR: '/tmp' },
});
const runtime = await createRuntime(config, createLogger({ level: 'warn' }), { db });
const api = createApiComponent(runtime);
const server = await listen(api.listener!, { host: '127.0.0.1', port: 0 });
const key = runtime.secrets.derive('identity-assertion');
const identity: Identity = { sub: agentId, org, role: 'agent', scopes: ['agent'], kind: 'user' };

let statements: { sql: string; bindings: unknown[] }[] = [];
knex.on('query', (query: { sql: string; bindings?: unknown[] }) => statements.push({ sql: query.sql, bindings: query.bindings ?? [] }));

async function get(path: string): Promise<void> {
  const q = path.indexOf('?');
  const assertion = await signIdentity(identity, key, { method: 'GET', path: q === -1 ? path : path.slice(0, q), query: q === -1 ? '' : path.slice(q + 1), bodySha256: bodySha256('') });
  const res = await fetch(server.url + path, { headers: { [IDENTITY_HEADER]: assertion } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
}

const from30 = new Date(END.getTime() - 30 * 86_400_000).toISOString();
const scenarios: { name: string; run: (n: number) => Promise<void> }[] = [
  { name: 'floor: GET /v2/users/me (the pipeline, one small query)', run: () => get('/v2/users/me') },
  { name: 'conversation list (assignee + status)', run: () => get(`/v2/conversations?assignee_id=${agentId}&status=closed&limit=20`) },
  { name: 'conversation list (tag)', run: () => get('/v2/conversations?tag=billing&limit=20') },
  { name: 'conversation history page (50)', run: (n) => get(`/v2/conversations/${tokens[n % tokens.length]}/messages?limit=50`) },
  { name: 'ticket list (assignee + status)', run: (n) => get(`/v2/tickets?assignee_id=${agentId}&status=${n % 2 === 0 ? 'open,pending' : 'solved,closed'}&limit=20`) },
  { name: 'statistics, 30 days by agent', run: () => get(`/v2/statistics/chats?from=${from30}&to=${END.toISOString()}&tz=Europe/Berlin&interval=day&agent_id=${agentId}`) },
  { name: 'statistics/current', run: () => get('/v2/statistics/current?tz=Europe/Berlin') },
];

const samples = new Map(scenarios.map((s) => [s.name, { ms: [] as number[], queries: [] as number[], sql: [] as typeof statements }]));
for (const scenario of scenarios) await scenario.run(0); // warm caches and connections
for (let round = 0; round < rounds; round++) {
  for (const scenario of scenarios) {
    const sample = samples.get(scenario.name)!;
    for (let n = 0; n < perRound; n++) {
      statements = [];
      const started = performance.now();
      await scenario.run(round * perRound + n);
      sample.ms.push(performance.now() - started);
      sample.queries.push(statements.length);
      if (sample.sql.length === 0) sample.sql = statements;
    }
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const plans: string[] = [];
const lines = ['| scenario | p50 ms | p95 ms | queries per request | sequential scans |', '|---|---:|---:|---:|---|'];
for (const scenario of scenarios) {
  const sample = samples.get(scenario.name)!;
  const seqScans = new Set<string>();
  plans.push(`### ${scenario.name}\n`);
  for (const statement of sample.sql) {
    const plan = await explain(knex, statement);
    for (const match of plan.matchAll(/Seq Scan on (\w+)/g)) seqScans.add(match[1]!);
    plans.push('```sql', statement.sql.replace(/\s+/g, ' ').slice(0, 600), '```', '```', plan, '```', '');
  }
  const queries = [...new Set(sample.queries)].join(' or ');
  lines.push(`| ${scenario.name} | ${quantile(sample.ms, 0.5).toFixed(1)} | ${quantile(sample.ms, 0.95).toFixed(1)} | ${queries} | ${seqScans.size === 0 ? 'none' : [...seqScans].join(', ')} |`);
}
console.log(`load average ${os.loadavg().map((n) => n.toFixed(1)).join(' ')} on ${os.cpus().length} cores; ${rounds} rounds × ${perRound} requests per scenario; organization with ${await knex('conversations').where({ organization_id: org }).count({ n: '*' }).then((r) => (r as { n: string }[])[0]!.n)} conversations; agent ${agentId}\n`);
console.log(lines.join('\n'));
if (process.env.BENCH_PLANS) writeFileSync(process.env.BENCH_PLANS, plans.join('\n'));

async function explain(knex: Knex, statement: { sql: string; bindings: unknown[] }): Promise<string> {
  const native = statement.sql.includes('$1') ? { sql: statement.sql, bindings: statement.bindings } : knex.raw(statement.sql, statement.bindings as Knex.RawBinding[]).toSQL().toNative();
  const client = await knex.client.acquireConnection();
  try {
    const result = await client.query(`explain (analyze, costs off, summary off) ${native.sql}`, native.bindings);
    return (result.rows as Record<string, string>[]).map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await knex.client.releaseConnection(client);
  }
}

api.drain?.();
await server.close(1_000);
await api.stop();
await runtime.close();
