import type { EarlyTermination } from './schema.js';
import { formatValue } from './space.js';

/** Per-epoch objective values of every trial so far: trial id -> epoch -> value. */
export type Curves = Map<string, Map<number, number>>;

/** What a rule decided for one trial at one epoch. */
export interface Decision {
  stop: boolean;
  /** The rule that stopped the trial (`bandit`, ...). */
  rule?: string;
  /** Why, in words, with the numbers compared. */
  reason?: string;
}

const CONTINUE: Decision = { stop: false };

/** Whether a rule with evaluation interval and delay looks at this epoch. */
export function evaluatedAt(epoch: number, interval = 1, delay = 0): boolean {
  return epoch > delay && epoch % interval === 0;
}

/** The epochs at which ASHA compares trials: minEpochs x factor^k. */
export function ashaRungs(minEpochs: number, factor: number, upTo: number): number[] {
  const rungs: number[] = [];
  for (let r = minEpochs; r <= upTo; r *= factor) rungs.push(r);
  return rungs;
}

/**
 * Decide whether trial `id` stops after reporting `epoch`. `curves` holds every trial's values so far, this
 * one's included. Only trials that reached the same epoch are compared, as the trials run asynchronously.
 */
export function decide(policy: EarlyTermination, goal: 'minimize' | 'maximize', metric: string, id: string, epoch: number, curves: Curves): Decision {
  const own = curves.get(id);
  const value = own?.get(epoch);
  if (value === undefined || !Number.isFinite(value)) return CONTINUE;
  const better = (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);
  const atEpoch = [...curves].flatMap(([tid, c]) => (c.has(epoch) && Number.isFinite(c.get(epoch)!) ? [{ id: tid, value: c.get(epoch)! }] : []));
  const m = (v: number) => `${metric} ${formatValue(v)}`;

  switch (policy.policy) {
    case 'bandit': {
      if (!evaluatedAt(epoch, policy.evaluationInterval, policy.delayEvaluation)) return CONTINUE;
      const best = atEpoch.reduce((b, t) => (better(t.value, b.value) ? t : b));
      let threshold: number;
      let slack: string;
      if (policy.slackFactor !== undefined) {
        threshold = goal === 'minimize' ? best.value * (1 + policy.slackFactor) : best.value / (1 + policy.slackFactor);
        slack = `slack factor ${policy.slackFactor}`;
      } else {
        const amount = policy.slackAmount ?? 0;
        threshold = goal === 'minimize' ? best.value + amount : best.value - amount;
        slack = `slack amount ${amount}`;
      }
      if (!better(threshold, value)) return CONTINUE;
      return { stop: true, rule: 'bandit', reason: `${m(value)} at epoch ${epoch} is outside ${slack} of the best at that epoch (${formatValue(best.value)}, trial ${best.id}): limit ${formatValue(threshold)}` };
    }
    case 'median-stopping': {
      if (!evaluatedAt(epoch, policy.evaluationInterval, policy.delayEvaluation)) return CONTINUE;
      const averages = [...curves]
        .filter(([tid, c]) => tid !== id && c.has(epoch))
        .map(([, c]) => {
          const upTo = [...c].filter(([e, v]) => e <= epoch && Number.isFinite(v)).map(([, v]) => v);
          return upTo.reduce((a, b) => a + b, 0) / upTo.length;
        });
      if (averages.length === 0) return CONTINUE;
      averages.sort((a, b) => a - b);
      const mid = Math.floor(averages.length / 2);
      const median = averages.length % 2 ? averages[mid] : (averages[mid - 1] + averages[mid]) / 2;
      const ownValues = [...own!].filter(([e, v]) => e <= epoch && Number.isFinite(v)).map(([, v]) => v);
      const ownBest = ownValues.reduce((b, v) => (better(v, b) ? v : b));
      if (!better(median, ownBest)) return CONTINUE;
      return {
        stop: true,
        rule: 'median-stopping',
        reason: `best ${m(ownBest)} up to epoch ${epoch} is worse than the median (${formatValue(median)}) of ${averages.length} other trials' running averages at that epoch`,
      };
    }
    case 'truncation-selection': {
      if (!evaluatedAt(epoch, policy.evaluationInterval, policy.delayEvaluation)) return CONTINUE;
      const cut = Math.floor((atEpoch.length * policy.truncationPercentage) / 100);
      if (cut === 0) return CONTINUE;
      const worstFirst = [...atEpoch].sort((a, b) => (better(a.value, b.value) ? 1 : better(b.value, a.value) ? -1 : 0));
      const worst = worstFirst.slice(0, cut);
      // A trial tied with the first kept one is kept.
      const kept = worstFirst[cut];
      if (!worst.some((t) => t.id === id) || (kept && kept.value === value)) return CONTINUE;
      return {
        stop: true,
        rule: 'truncation-selection',
        reason: `${m(value)} at epoch ${epoch} is among the worst ${policy.truncationPercentage}% (${cut} of ${atEpoch.length} trials at that epoch)`,
      };
    }
    case 'asha': {
      const minEpochs = policy.minEpochs ?? 1;
      const factor = policy.reductionFactor ?? 3;
      if (!ashaRungs(minEpochs, factor, epoch).includes(epoch)) return CONTINUE;
      const ranked = atEpoch.map((t) => t.value).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
      const top = Math.max(1, Math.floor(ranked.length / factor));
      const cutoff = ranked[top - 1];
      if (!better(cutoff, value)) return CONTINUE;
      return {
        stop: true,
        rule: 'asha',
        reason: `${m(value)} at rung ${epoch} is not in the best 1/${factor} (${top} of ${ranked.length} trials at that rung; cut-off ${formatValue(cutoff)})`,
      };
    }
  }
}
