import type { Knex } from 'knex';
import { jsonb } from './jsonb.js';
import type { OutboxRow } from './outbox-reads.js';

// The webhook worker's queries (issue 11, DESIGN.md "Webhooks"): fanning undispatched outbox
// events out to deliveries, claiming due deliveries under a lease, recording each attempt. The
// API's reads and controls of the same tables live with the webhooks resource.

export interface EndpointSubscription {
  id: string;
  organization_id: string;
  events: string[];
  message_author_types: string[] | null;
}

export interface NewDelivery {
  organization_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  conversation_id: string | null;
  position: number | null;
}

/** A delivery claimed for one attempt, with what sending it needs of its endpoint. */
export interface ClaimedDelivery extends NewDelivery {
  id: string;
  /** This attempt's number (the claim counted it). */
  attempt: number;
  created_at: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

type Raw<T> = Omit<T, 'position'> & { position: number | string | null };
const numbered = <T extends { position: number | null }>(row: Raw<T>): T => ({ ...row, position: row.position === null ? null : Number(row.position) }) as T;

/**
 * Serialises fan-out between workers for the rest of the transaction: a conversation's events
 * commit in position order (its row lock orders them), and one fan-out at a time keeps that order
 * in the deliveries, which ordered delivery relies on.
 */
export async function lockFanOut(trx: Knex.Transaction): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(?)', [0x77656268]);
}

/** The oldest undispatched events, locked for this transaction. */
export async function claimUndispatchedEvents(trx: Knex.Transaction, limit: number): Promise<OutboxRow[]> {
  const rows = (await trx('outbox_events').whereNull('dispatched_at').orderBy('position').limit(limit).forUpdate().skipLocked()) as Raw<OutboxRow & { seq: number | string | null }>[];
  return rows.map((row) => ({ ...numbered(row), seq: row.seq === null ? null : Number(row.seq) }));
}

export async function enabledEndpointsOf(trx: Knex.Transaction, organizationIds: string[]): Promise<EndpointSubscription[]> {
  return (await trx('webhook_endpoints').where({ enabled: true }).whereIn('organization_id', organizationIds)
    .select('id', 'organization_id', 'events', 'message_author_types')) as EndpointSubscription[];
}

export async function insertDeliveries(trx: Knex.Transaction, rows: (NewDelivery & { next_attempt_at: Date })[]): Promise<void> {
  // In chunks: a statement takes at most 65535 parameters (eight a row).
  for (let start = 0; start < rows.length; start += 1_000) {
    const chunk = rows.slice(start, start + 1_000).map((row) => ({ ...row, payload: jsonb(trx, row.payload) }));
    await trx('webhook_deliveries').insert(chunk).onConflict(['endpoint_id', 'event_id']).ignore();
  }
}

export async function markDispatched(trx: Knex.Transaction, eventIds: string[], at: Date): Promise<void> {
  await trx('outbox_events').whereIn('id', eventIds).update({ dispatched_at: at });
}

// A due delivery that no earlier pending delivery of its conversation (to the same endpoint) holds back.
const CLAIMABLE = `d.status = 'pending' and d.next_attempt_at <= :now and (d.locked_until is null or d.locked_until <= :now)
  and not exists (select 1 from webhook_deliveries p where p.endpoint_id = d.endpoint_id and p.conversation_id = d.conversation_id
                  and p.status = 'pending' and p.position < d.position)`;

/**
 * Claims up to `limit` due deliveries for `leaseMs`, counting the attempt, in one statement. The
 * endpoints are locked (SKIP LOCKED) while their deliveries are counted and claimed, so workers
 * never together exceed an endpoint's `max_concurrency` nor claim one delivery twice; a worker
 * that dies leaves its lease to run out, and the delivery is claimed again (at least once).
 */
export async function claimDueDeliveries(knex: Knex, options: { now: Date; leaseMs: number; limit: number }): Promise<ClaimedDelivery[]> {
  const { rows } = (await knex.raw(
    `with endpoints as (
       select e.id, e.max_concurrency from webhook_endpoints e
       where e.enabled and exists (select 1 from webhook_deliveries d where d.endpoint_id = e.id and ${CLAIMABLE})
       for no key update skip locked),
     in_flight as (
       select f.endpoint_id, count(*) as n from webhook_deliveries f join endpoints e on e.id = f.endpoint_id
       where f.status = 'pending' and f.locked_until > :now group by f.endpoint_id),
     candidates as (
       select d.id, row_number() over (partition by d.endpoint_id order by d.next_attempt_at, d.position nulls first, d.created_at, d.id) as rank,
              e.max_concurrency - coalesce(i.n, 0) as room
       from webhook_deliveries d join endpoints e on e.id = d.endpoint_id left join in_flight i on i.endpoint_id = d.endpoint_id
       where ${CLAIMABLE}),
     chosen as (select id from candidates where rank <= room order by rank, id limit :limit)
     update webhook_deliveries w set locked_until = :lease, attempt = w.attempt + 1, updated_at = :now
     from chosen, webhook_endpoints e
     where w.id = chosen.id and e.id = w.endpoint_id and w.status = 'pending' and (w.locked_until is null or w.locked_until <= :now)
     returning w.id, w.organization_id, w.endpoint_id, w.event_id, w.event_type, w.payload, w.conversation_id, w.position, w.attempt,
               w.created_at, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at`,
    { now: options.now, lease: new Date(options.now.getTime() + options.leaseMs), limit: options.limit },
  )) as { rows: Raw<ClaimedDelivery>[] };
  return rows.map((row) => numbered<ClaimedDelivery>(row));
}

/** Gives a claim back untried (a worker stopping mid-attempt): the attempt is not counted. */
export async function releaseDelivery(knex: Knex, delivery: Pick<ClaimedDelivery, 'id' | 'attempt'>): Promise<void> {
  await knex('webhook_deliveries').where({ id: delivery.id, attempt: delivery.attempt, status: 'pending' })
    .update({ locked_until: null, attempt: delivery.attempt - 1 });
}

/** When the worker should look again: the earliest due or lease end of a pending delivery not held back. */
export async function nextDeliveryDueAt(knex: Knex, now: Date): Promise<Date | undefined> {
  const { rows } = (await knex.raw(
    `select min(greatest(d.next_attempt_at, coalesce(d.locked_until, d.next_attempt_at))) as due
     from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.enabled
     where d.status = 'pending' and not exists (select 1 from webhook_deliveries p where p.endpoint_id = d.endpoint_id
       and p.conversation_id = d.conversation_id and p.status = 'pending' and p.position < d.position and p.next_attempt_at > :now)`,
    { now },
  )) as { rows: { due: Date | null }[] };
  return rows[0]?.due ?? undefined;
}

export interface AttemptRecord {
  startedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
}

export type DeliveryOutcome =
  | { status: 'delivered'; at: Date }
  | { status: 'pending'; nextAttemptAt: Date }
  | { status: 'failed' };

export type EndpointEffect =
  | { kind: 'success'; at: Date }
  | { kind: 'failure'; at: Date }
  /** 410, or failing since before `failingSince` (the whole schedule) with no success. */
  | { kind: 'disable'; at: Date; reason: string; failingSince?: Date };

/**
 * Records one attempt, its effect on the delivery (unless another worker has claimed it since)
 * and on the endpoint, all or nothing. Returns whether the endpoint was disabled by it.
 */
export async function recordDeliveryAttempt(
  knex: Knex, delivery: Pick<ClaimedDelivery, 'id' | 'organization_id' | 'endpoint_id' | 'attempt'>,
  attempt: AttemptRecord, outcome: DeliveryOutcome, effect: EndpointEffect,
): Promise<{ disabled: boolean }> {
  return knex.transaction(async (trx) => {
    await trx('webhook_attempts').insert({
      organization_id: delivery.organization_id, delivery_id: delivery.id, endpoint_id: delivery.endpoint_id, attempt: delivery.attempt,
      started_at: attempt.startedAt, duration_ms: attempt.durationMs, response_status: attempt.responseStatus,
      response_body: attempt.responseBody, error: attempt.error,
    });
    const finishedAt = effect.at;
    await trx('webhook_deliveries').where({ id: delivery.id, attempt: delivery.attempt }).update({
      status: outcome.status, locked_until: null, last_response_status: attempt.responseStatus, last_error: attempt.error, updated_at: finishedAt,
      ...(outcome.status === 'delivered' ? { delivered_at: outcome.at } : {}),
      ...(outcome.status === 'pending' ? { next_attempt_at: outcome.nextAttemptAt } : {}),
    });
    const endpoint = trx('webhook_endpoints').where({ id: delivery.endpoint_id });
    if (effect.kind === 'success') {
      // At most once a second per endpoint: a busy endpoint's row is not rewritten (and locked,
      // keeping claims off it) by every delivery.
      await endpoint.where((q) => q.whereNull('last_success_at').orWhere('last_success_at', '<', new Date(finishedAt.getTime() - 1_000)).orWhereNotNull('failing_since'))
        .update({ last_success_at: finishedAt, failing_since: null });
      return { disabled: false };
    }
    await trx('webhook_endpoints').where({ id: delivery.endpoint_id }).whereNull('failing_since').update({ failing_since: finishedAt });
    if (effect.kind === 'failure') return { disabled: false };
    if (effect.failingSince) endpoint.where('failing_since', '<=', effect.failingSince);
    const disabled = await endpoint.where({ enabled: true })
      .update({ enabled: false, disabled_reason: effect.reason, disabled_at: finishedAt, updated_at: finishedAt });
    return { disabled: disabled > 0 };
  });
}

/** Pending deliveries to enabled endpoints plus undispatched events, and the oldest one's creation. */
export async function webhookQueueStats(knex: Knex): Promise<{ depth: number; oldest: Date | null }> {
  const { rows } = (await knex.raw(
    `select (select count(*) from outbox_events where dispatched_at is null)
          + (select count(*) from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.enabled where d.status = 'pending') as depth,
            least((select min(created_at) from outbox_events where dispatched_at is null),
                  (select min(d.created_at) from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.enabled
                   where d.status = 'pending')) as oldest`,
  )) as { rows: { depth: number | string; oldest: Date | null }[] };
  return { depth: Number(rows[0]?.depth ?? 0), oldest: rows[0]?.oldest ?? null };
}
