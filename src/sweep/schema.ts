/**
 * The sweep file (`keepalive-lab sweep --file f.yaml`), equivalent to the command's flags:
 *
 * ```yaml
 * scenario: seed000-cable-pull          # built-in name, or a path relative to this file
 * set: { path.loss: 0.01 }              # fixed overrides (like --set)
 * vary:
 *   hosts.client.socket.TCP_KEEPIDLE: 30s..600s/30s   # a range (like --vary)
 *   path.middleboxes.0.profile: [aws-natgw, gcp-cloudnat]  # a list
 * seeds: 5                              # or "1..20", or [3, 7, 9]
 * sample: 200                           # optional: sample 200 points instead of the grid
 * sampleSeed: 1
 * metrics: [detect.first, falseAlarm]   # optional: keep these metrics only
 * until: 2h                             # optional horizon
 * ```
 */
import { z } from 'zod';

const scalar = z.union([z.number(), z.string(), z.boolean()]);

export const sweepFileSchema = z
  .object({
    scenario: z.string().min(1).meta({ description: 'built-in scenario name, or a scenario file path relative to the sweep file' }),
    set: z.record(z.string(), z.union([scalar, z.array(z.unknown()), z.record(z.string(), z.unknown())])).optional().meta({ description: 'fixed overrides, path: value (like --set)' }),
    vary: z
      .record(z.string(), z.union([z.string(), z.number(), z.array(scalar).min(1)]))
      .refine((v) => Object.keys(v).length > 0, 'vary at least one field')
      .meta({ description: 'path: range "lo..hi/step", list "a,b,c", or a YAML list' }),
    seeds: z.union([z.number().int().min(1), z.string(), z.array(z.number().int().min(0)).min(1)]).optional().meta({ description: 'K (seeds 1..K), "a..b", or a list; default: the scenario seed' }),
    sample: z.number().int().min(1).optional().meta({ description: 'sample this many points from the ranges instead of the full grid' }),
    sampleSeed: z.number().int().min(0).optional().meta({ description: 'seed of the sampling stream (default 1)' }),
    metrics: z.array(z.string()).min(1).optional().meta({ description: 'metric names or prefixes to keep (docs/metrics.md)' }),
    until: z.union([z.number(), z.string()]).optional().meta({ description: 'horizon, a duration' }),
  })
  .strict();

export type SweepFile = z.infer<typeof sweepFileSchema>;
