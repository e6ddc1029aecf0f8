/** Horizon used when a scenario sets none and its applications never all finish. */
export const DAY_US = 86_400_000_000;
