/**
 * How big a sweep may be (docs/limits.md). A sweep keeps one row per run in memory (a few
 * hundred bytes to a few kB) and writes them all at the end, and its grid is planned
 * before anything runs: without a limit, `--vary path.latency=1us..1000000d` asks for
 * 8.6e16 points and `--seeds 4294967295` for 4.3e9 seeds, and the process dies planning
 * them. No imports: the CLI's program definition reads these for its help text.
 */

/** Runs (points × seeds) a sweep may plan unless `--max-points` says more. */
export const DEFAULT_MAX_RUNS = 10_000;

/** The most `--max-points` may allow: rows take about 2.4 kB of heap each (measured, 23 metrics) plus their JSONL and CSV text at the end, so 250,000 runs need about 1 GB. */
export const HARD_MAX_RUNS = 250_000;

/** Worker threads: each is a Node.js isolate (tens of MB); more than the cores only adds memory. */
export const MAX_WORKERS = 64;
