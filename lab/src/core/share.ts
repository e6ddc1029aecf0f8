/**
 * Share links: the lab state in the URL fragment, so a teacher can hand out an exact
 * exercise from any static host (the fragment never reaches a server). The link holds the
 * built-in's name, or the whole edited document (UTF-8, base64url), the `--set` overrides
 * in order, the seed and, optionally, the scrubber's instant. Decoding then preparing gives
 * the same scenario, so the same run byte for byte (lab/src/core/session.ts).
 */
import type { LabState } from './session.ts';

export interface Shared {
  state: LabState;
  /** µs: the scrubber's instant */
  at?: number;
}

function b64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unb64url(s: string): string {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** The fragment (without `#`) for a state. */
export function encodeShare(x: Shared): string {
  const p = new URLSearchParams();
  if (x.state.builtin !== null) p.set('scenario', x.state.builtin);
  if (x.state.text !== null) {
    p.set('file', x.state.file);
    p.set('yaml', b64url(x.state.text));
  }
  if (x.state.seed !== null) p.set('seed', String(x.state.seed));
  for (const a of x.state.set) p.append('set', a);
  if (x.at !== undefined) p.set('at', String(x.at));
  return p.toString();
}

/** A state from a fragment; null when it names nothing (the page then opens its default). */
export function decodeShare(fragment: string): Shared | { error: string } | null {
  const p = new URLSearchParams(fragment.replace(/^#/, ''));
  const name = p.get('scenario');
  const yaml = p.get('yaml');
  if (name === null && yaml === null) return null;
  let text: string | null = null;
  if (yaml !== null) {
    try {
      text = unb64url(yaml);
    } catch {
      return { error: 'this link\'s scenario text is damaged (yaml= is not base64url UTF-8)' };
    }
  }
  const seedText = p.get('seed');
  const seed = seedText === null ? null : Number(seedText);
  const at = p.get('at');
  const state: LabState = { builtin: name, text, file: p.get('file') ?? `${name ?? 'scenario'}.yaml`, set: p.getAll('set'), seed: seed === null || Number.isNaN(seed) ? null : seed };
  return at !== null && Number.isFinite(Number(at)) ? { state, at: Math.max(0, Math.round(Number(at))) } : { state };
}

/**
 * Put `path=value` last in the override list, dropping earlier overrides of the same path and
 * of paths under it (now obsolete); overrides of a parent path stay before it and apply first.
 */
export function upsert(set: readonly string[], assignment: string): string[] {
  const path = assignment.slice(0, assignment.indexOf('=')).trim();
  const keep = set.filter((a) => {
    const p = a.slice(0, a.indexOf('=')).trim();
    return p !== path && !p.startsWith(`${path}.`);
  });
  return [...keep, assignment];
}
