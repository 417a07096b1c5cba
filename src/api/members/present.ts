import type { MemberRow } from './queries.js';

export function presentUser(row: MemberRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    is_bot: row.is_bot,
    email_verified: row.email_verified_at !== null,
    role: row.role,
    status: statusOf(row),
    group_ids: row.group_ids,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function presentMember(row: MemberRow) {
  return {
    user_id: row.id,
    organization_id: row.organization_id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: statusOf(row),
    group_ids: row.group_ids,
    availability: row.availability,
    last_seen_at: row.last_seen_at?.toISOString() ?? null,
    joined_at: row.joined_at.toISOString(),
    updated_at: row.membership_updated_at.toISOString(),
  };
}

function statusOf(row: MemberRow): 'active' | 'disabled' {
  return row.disabled_at === null ? 'active' : 'disabled';
}
