/**
 * Durations as humans write them: `7200s`, `75 s`, `1.5ms`, `2h`, `1h30m`, `250us`.
 * A plain number (or numeric string) means seconds. Results are integer microseconds.
 */
import type { Micros } from '../engine/time.ts';

const UNIT_US: Record<string, number> = {
  us: 1, µs: 1, ms: 1_000, s: 1_000_000, sec: 1_000_000, m: 60_000_000, min: 60_000_000,
  h: 3_600_000_000, d: 86_400_000_000,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|sec|min|s|m|h|d)/gy;

/** Parse a duration; returns null when the text is not a duration. */
export function parseDuration(input: string | number): Micros | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input * 1e6) : null;
  const text = input.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$|^\.\d+$/.test(text)) return Math.round(Number(text) * 1e6);
  PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  const compact = text.replace(/\s+(?=[a-zµ])/g, '');
  let m: RegExpExecArray | null;
  PART.lastIndex = 0;
  while ((m = PART.exec(compact)) !== null) {
    total += Number(m[1]) * (UNIT_US[m[2] as string] as number);
    pos = PART.lastIndex;
    if (pos === compact.length) break;
    while (compact[pos] === ' ') pos++;
    PART.lastIndex = pos;
  }
  if (pos !== compact.length) return null;
  return Math.round(total);
}

/** Format integer microseconds as seconds with microsecond precision: `12.345678`. */
export function formatSeconds(us: Micros): string {
  const neg = us < 0;
  const a = Math.abs(us);
  const s = Math.floor(a / 1e6);
  const frac = String(a % 1e6).padStart(6, '0');
  return `${neg ? '-' : ''}${s}.${frac}`;
}

/** A short human duration: `10.24 s`, `250 ms`, `2 h 5 min`. */
export function humanDuration(us: Micros): string {
  const a = Math.abs(us);
  if (a < 1_000) return `${us} µs`;
  if (a < 1_000_000) return `${trim(us / 1_000)} ms`;
  if (a < 120_000_000) return `${trim(us / 1e6)} s`;
  if (a < 7_200_000_000) return `${trim(us / 60e6)} min`;
  return `${trim(us / 3600e6)} h`;
}

function trim(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
