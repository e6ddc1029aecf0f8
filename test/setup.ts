// Pins fast-check's seed for every property test (style.md rule 10). Override with
// FC_SEED=<n> to explore; the seed in use is printed so any failure can be replayed.
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20261125);
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
fc.configureGlobal({ seed, numRuns: Number(process.env.FC_RUNS ?? 100) });
if (process.env.FC_SEED) console.log(`fast-check seed ${seed}`);
