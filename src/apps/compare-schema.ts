/**
 * The compare file (`keepalive-lab compare`, docs/heartbeats.md "Compare files"): one base
 * scenario run under each strategy × situation. Overrides are dotted paths with any YAML
 * value, applied to the raw scenario document like `run --set`, so the cell is validated
 * exactly as a scenario file is.
 */
import { z } from 'zod';
import { parseDuration } from '../scenarios/duration.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+/-]*$/, 'a name: letters, digits and _ . + / -');
const overrides = z.record(z.string().min(1), z.unknown()).default({}).meta({ description: 'dotted field path -> value (any YAML), as `run --set`' });
const vars = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.unknown()).optional();

export const compareSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().default(''),
    base: z.string().min(1).meta({ description: 'built-in scenario name, or a path relative to the compare file' }),
    until: z
      .union([z.number().positive(), z.string()])
      .optional()
      .refine((v) => v === undefined || parseDuration(v) !== null, 'not a duration (e.g. 3600, "1h")')
      .meta({ description: 'horizon of every run (default: the base scenario\'s)' }),
    vars: vars.meta({ description: '"$name" strings in override values are replaced by these' }),
    strategies: z.array(z.object({ name, description: z.string().optional(), set: overrides }).strict()).min(1, 'give at least one strategy'),
    situations: z
      .array(
        z
          .object({
            name,
            description: z.string().optional(),
            set: overrides,
            seeds: z.number().int().min(1).max(1000).default(1).meta({ description: 'runs per cell, seeds 1..n' }),
            vars,
          })
          .strict(),
      )
      .min(1, 'give at least one situation'),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const key of ['strategies', 'situations'] as const) {
      const seen = new Set<string>();
      c[key].forEach((x, i) => {
        if (seen.has(x.name)) ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `${JSON.stringify(x.name)} appears twice` });
        seen.add(x.name);
      });
    }
  });

export type CompareSpec = z.output<typeof compareSchema>;
