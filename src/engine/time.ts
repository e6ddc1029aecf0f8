/**
 * Virtual time. Every instant and duration in the simulator is an integer number of
 * microseconds (a JS number is exact up to 2^53 µs ≈ 285 years).
 */
export type Micros = number;

export const US = 1;
export const MS = 1_000;
export const SEC = 1_000_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

/** Seconds (possibly fractional) to integer microseconds. */
export const seconds = (s: number): Micros => Math.round(s * SEC);
/** Milliseconds to integer microseconds. */
export const millis = (ms: number): Micros => Math.round(ms * MS);
