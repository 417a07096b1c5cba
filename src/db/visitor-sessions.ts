import type { Knex } from 'knex';

/** What opening a visitor session needs of a widget: its organization and allowed origins. */
export interface SessionWidgetRow {
  id: string;
  organization_id: string;
  client_token: string;
  allowed_origins: string[];
}

export interface VisitorRow {
  id: string;
  organization_id: string;
  widget_id: string | null;
  /** The client token of the widget the visitor first came from (null once it is deleted). */
  widget_client_token: string | null;
  token: string;
  name: string | null;
  email: string | null;
  context: Record<string, unknown>;
  last_seen_at: Date;
  sessions_revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const visitorColumns = [
  'v.id', 'v.organization_id', 'v.widget_id', 'w.client_token as widget_client_token', 'v.token', 'v.name', 'v.email',
  'v.context', 'v.last_seen_at', 'v.sessions_revoked_at', 'v.created_at', 'v.updated_at',
];

const parsedJson = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

function visitorsWithWidget(knex: Knex): Knex.QueryBuilder {
  return knex('visitors as v').leftJoin('widgets as w', 'w.id', 'v.widget_id');
}

function toVisitorRow(row: VisitorRow | undefined): VisitorRow | undefined {
  return row && { ...row, context: parsedJson<Record<string, unknown>>(row.context) };
}

export async function findSessionWidget(knex: Knex, clientToken: string): Promise<SessionWidgetRow | undefined> {
  const row: SessionWidgetRow | undefined = await knex('widgets').where({ client_token: clientToken }).first('id', 'organization_id', 'client_token', 'allowed_origins');
  return row && { ...row, allowed_origins: parsedJson<string[]>(row.allowed_origins) };
}

export async function insertVisitor(
  knex: Knex,
  input: { organizationId: string; widgetId: string; token: string; secretHash: string; now: Date },
): Promise<VisitorRow> {
  const [{ id }] = (await knex('visitors').insert({
    organization_id: input.organizationId,
    widget_id: input.widgetId,
    token: input.token,
    secret_hash: input.secretHash,
    last_seen_at: input.now,
    created_at: input.now,
    updated_at: input.now,
  }).returning('id')) as [{ id: string }];
  return (await findVisitor(knex, input.organizationId, id))!;
}

export async function findVisitor(knex: Knex, organizationId: string, id: string): Promise<VisitorRow | undefined> {
  return toVisitorRow(await visitorsWithWidget(knex).where({ 'v.organization_id': organizationId, 'v.id': id }).first(visitorColumns));
}

/** The visitor a resume credential belongs to, in one organization, unless its sessions were revoked. */
export async function findResumableVisitor(knex: Knex, organizationId: string, secretHashes: readonly string[]): Promise<VisitorRow | undefined> {
  return toVisitorRow(await visitorsWithWidget(knex)
    .where({ 'v.organization_id': organizationId })
    .whereIn('v.secret_hash', secretHashes)
    .whereNull('v.sessions_revoked_at')
    .first(visitorColumns));
}

/** `last_seen_at`: bookkeeping of a resumed session, not a change of the visitor (no audit row). */
export async function touchVisitor(knex: Knex, id: string, at: Date, secretHash?: string): Promise<void> {
  // With the hash of the active root secret: rehash on use during a root-secret rotation.
  await knex('visitors').where({ id }).update({ last_seen_at: at, ...(secretHash ? { secret_hash: secretHash } : {}) });
}

/**
 * Ends a visitor's sessions for good: the stored hash is replaced by a value no secret hashes to
 * (it holds a `:`), so the old secret resumes nothing. Returns whether the visitor existed.
 */
export async function markVisitorSessionsRevoked(knex: Knex, organizationId: string, id: string, unusableHash: string, at: Date): Promise<boolean> {
  const rows: unknown[] = await knex('visitors').where({ organization_id: organizationId, id })
    .update({ secret_hash: unusableHash, sessions_revoked_at: at, updated_at: at }).returning('id');
  return rows.length > 0;
}
