/** Seconds rounded to the microsecond, the run document's precision (src/scenarios/result.ts). */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** A rate rounded to 3 decimals (a rate finer than that is noise in a CSV). */
export const round3 = (x: number): number => Math.round(x * 1e3) / 1e3;
