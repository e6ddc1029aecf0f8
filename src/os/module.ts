/**
 * An OS module: a profile built from that OS's own host-wide knobs (sysctls or registry
 * values, in their real names and units) and from the documented assumptions a scenario may
 * override (`hosts.<h>.profile`). Every knob and parameter carries its source and confidence
 * mark from os-profiles.md ([V] verified, [S] secondary, [I] inferred, [?] unknown).
 */
import type { OsProfile, Sysctls } from './profile.ts';

export type Confidence = 'V' | 'S' | 'I' | '?';

/** A host-wide knob (sysctl / registry value). Integer-valued; booleans are 0/1. */
export interface KnobSpec {
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly doc: string;
  readonly source: string;
  /** what a Linux user would have written, for hints */
  readonly linux?: string;
}

/** A documented assumption or model choice a scenario may override. */
export interface ParamSpec {
  readonly default: number | boolean | string;
  /** allowed values (enums, booleans); numbers use min/max */
  readonly values?: readonly (string | boolean)[];
  readonly min?: number;
  readonly max?: number;
  readonly doc: string;
  readonly source: string;
  readonly confidence: Confidence;
}

export type ParamValues = Record<string, number | boolean | string>;

export interface Built {
  profile: OsProfile;
  /** the host-wide values the endpoint reads, in its units (seconds, counts) */
  sysctl: Partial<Sysctls>;
}

export interface OsModule {
  readonly name: 'linux' | 'macos' | 'freebsd' | 'windows';
  readonly title: string;
  /** the section of os-profiles.md (or linux-keepalive.md) */
  readonly reference: string;
  readonly knobs: Readonly<Record<string, KnobSpec>>;
  readonly params: Readonly<Record<string, ParamSpec>>;
  build(knobs: Readonly<Record<string, number>>, params: Readonly<ParamValues>): Built;
}

/** Knob values with defaults filled in. */
export function knobValues(m: Pick<OsModule, 'knobs'>, given: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, s] of Object.entries(m.knobs)) out[k] = given[k] ?? s.default;
  return out;
}

/** Parameter values with defaults filled in. */
export function paramValues(m: Pick<OsModule, 'params'>, given: Readonly<ParamValues>): ParamValues {
  const out: ParamValues = {};
  for (const [k, s] of Object.entries(m.params)) out[k] = given[k] ?? s.default;
  return out;
}
