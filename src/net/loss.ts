/**
 * Packet-loss models for one link direction, each drawing from its own seeded stream.
 * Bernoulli: independent loss with probability p. Gilbert–Elliott: a two-state Markov
 * chain (good/bad) evaluated per packet, giving bursts of loss.
 */
import type { Rng } from '../engine/rng.ts';

export type LossSpec =
  | { model: 'none' }
  | { model: 'bernoulli'; p: number }
  | { model: 'gilbert-elliott'; p: number; r: number; lossGood: number; lossBad: number };

export interface LossModel {
  /** true when this packet is lost */
  drop(): boolean;
}

export function lossModel(spec: LossSpec, rng: Rng): LossModel {
  switch (spec.model) {
    case 'none':
      return { drop: () => false };
    case 'bernoulli':
      return { drop: () => rng.chance(spec.p) };
    case 'gilbert-elliott': {
      let bad = false;
      return {
        drop: () => {
          bad = bad ? !rng.chance(spec.r) : rng.chance(spec.p);
          return rng.chance(bad ? spec.lossBad : spec.lossGood);
        },
      };
    }
  }
}
