/**
 * Table-full policies as pure functions (style.md rule 8): given the entries and a new
 * flow, which entry (if any) makes room, or refuse the flow. Entries already past their
 * deadline are reaped first under every policy (Linux early_drop reaps expired entries
 * on the way, nat.md §2.4). Ties are broken by `seq`, the creation serial, never by
 * container order (style.md rule 2).
 */
import type { Micros } from '../../engine/time.ts';
import type { EvictPolicy } from './profiles.ts';

/** What a policy may look at. */
export interface EvictView {
  /** creation serial: older entries have smaller numbers */
  readonly seq: number;
  readonly lastUsed: Micros;
  readonly expiresAt: Micros;
  readonly assured: boolean;
}

/** The verdict on a new flow: admitted (making room by removing `victim`, if any), or refused. */
/**
 * The expiry predicate (style.md rule 8): an entry is gone once `now` reaches its deadline,
 * last refresh + the timeout its state called for (Linux nf_ct_is_expired: timeout <= now).
 */
export const timedOut = (e: Pick<EvictView, 'expiresAt'>, now: Micros): boolean => now >= e.expiresAt;

export type Admission<E> = { ok: true; victim: E | null; why?: 'expired' | 'lru' | 'early-drop' | 'aggressive-aging' } | { ok: false };

/** Aggressive aging (nat.md §5, Juniper SRX): above `highWater` entries, entries idle `earlyAgeout` or more go first. */
export interface Aging {
  /** occupancy (entries) at which aging starts */
  highWater: number;
  earlyAgeout: Micros;
}

/** Least recently used, oldest serial first among equals. */
function lru<E extends EvictView>(cands: Iterable<E>): E | null {
  let best: E | null = null;
  for (const e of cands) if (!best || e.lastUsed < best.lastUsed || (e.lastUsed === best.lastUsed && e.seq < best.seq)) best = e;
  return best;
}

function* filter<E>(xs: Iterable<E>, keep: (e: E) => boolean): Iterable<E> {
  for (const x of xs) if (keep(x)) yield x;
}

/**
 * Admit a new flow into a table holding `entries` (at most `max`):
 * - `lru`: evict the least recently used entry (seed 001's "drop old inactive ones first";
 *   nat.md §5: no mainstream NAT documents it — a hostile-router profile);
 * - `early-drop`: Linux (nat.md §2.4) evicts an entry that is not ASSURED (here the least
 *   recently used one; Linux takes the first it finds in 8 hash buckets), else refuses;
 * - `refuse`: RFC 6888 REQ-11: never delete a mapping to make room.
 */
export function admit<E extends EvictView>(entries: readonly E[], max: number, policy: EvictPolicy, now: Micros, aging?: Aging): Admission<E> {
  if (policy === 'aggressive-aging' && aging && entries.length >= aging.highWater) {
    // - `aggressive-aging`: above the high-water mark each new flow ages out the least recently
    //   used entry idle `earlyAgeout` or more; when none is that idle, a full table refuses.
    const v = lru(filter(entries, (e) => timedOut(e, now) || now - e.lastUsed >= aging.earlyAgeout));
    if (v) return { ok: true, victim: v, why: timedOut(v, now) ? 'expired' : 'aggressive-aging' };
    return entries.length < max ? { ok: true, victim: null } : { ok: false };
  }
  if (entries.length < max) return { ok: true, victim: null };
  let expired: E | null = null;
  for (const e of entries) if (timedOut(e, now) && (!expired || e.expiresAt < expired.expiresAt || (e.expiresAt === expired.expiresAt && e.seq < expired.seq))) expired = e;
  if (expired) return { ok: true, victim: expired, why: 'expired' };
  if (policy === 'lru') {
    const v = lru(entries);
    return v ? { ok: true, victim: v, why: 'lru' } : { ok: false };
  }
  if (policy === 'early-drop') {
    const v = lru(filter(entries, (e) => !e.assured));
    return v ? { ok: true, victim: v, why: 'early-drop' } : { ok: false };
  }
  return { ok: false };
}
