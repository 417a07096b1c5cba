import type { Knex } from 'knex';

// The generator's randomness: one seeded stream (mulberry32), so the same `--seed` writes the same
// rows, ids and tokens included. Not for secrets: `gatehouse seed` fills test databases.

export class Random {
  private state: number;

  constructor(seed: string) {
    // FNV-1a of the seed text: any string is a seed.
    let hash = 0x811c9dc5;
    for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    this.state = hash;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A version-4-shaped UUID from the stream. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** A public token of the shape the API issues (`cnv_` and 24 letters or digits). */
  token(prefix: string): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = `${prefix}_`;
    for (let i = 0; i < 24; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
}

/**
 * Multi-row inserts, as many rows per statement as Postgres' 65,535 bind parameters allow: a
 * million messages are a few hundred statements, not a million.
 */
export async function insertRows(knex: Knex, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.max(1, Math.floor(60_000 / Object.keys(rows[0]!).length));
  for (let start = 0; start < rows.length; start += perStatement) {
    await knex(table).insert(rows.slice(start, start + perStatement));
  }
}
