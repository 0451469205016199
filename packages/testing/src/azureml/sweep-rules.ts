import { SeededRandom } from '@prd/core';

/** A sweep job's `searchSpace` as the REST API carries it: name -> [distribution, parameters]. */
export type RestSearchSpace = Record<string, [string, unknown[]]>;

/** A scalar a trial's `${{search_space.<name>}}` becomes. */
export type TrialValue = string | number | boolean;

/**
 * The trials' values as the service draws them: `Grid` enumerates the choices (last name fastest), `Random` (either
 * rule; this plane has no Sobol sequence of its own) draws each trial independently from the seed. Bayesian is
 * refused: the plane has no model of AzureML's.
 */
export function trialValues(space: RestSearchSpace, sampling: { samplingAlgorithmType: string; seed?: number }, maxTrials: number): Array<Record<string, TrialValue>> {
  const names = Object.keys(space);
  if (sampling.samplingAlgorithmType === 'Grid') {
    const axes = names.map((name) => {
      const [kind, args] = space[name];
      if (kind !== 'choice') throw new Error(`Grid sampling supports choice only; "${name}" is ${kind}`);
      return args[0] as TrialValue[];
    });
    const size = axes.reduce((n, a) => n * a.length, 1);
    return Array.from({ length: Math.min(size, maxTrials) }, (_, index) => {
      const out: Record<string, TrialValue> = {};
      let rest = index;
      for (let i = names.length - 1; i >= 0; i--) {
        out[names[i]] = axes[i][rest % axes[i].length];
        rest = Math.floor(rest / axes[i].length);
      }
      return Object.fromEntries(names.map((n) => [n, out[n]]));
    });
  }
  if (sampling.samplingAlgorithmType !== 'Random') throw new Error(`the test control plane does not run ${sampling.samplingAlgorithmType} sampling`);
  const random = new SeededRandom(sampling.seed ?? 0);
  return Array.from({ length: maxTrials }, () => Object.fromEntries(names.map((name) => [name, draw(name, space[name], random)])));
}

function draw(name: string, [kind, args]: [string, unknown[]], random: SeededRandom): TrialValue {
  const [a, b, q] = args as number[];
  const uniform = () => a + (b - a) * random.next();
  const quantize = (x: number) => Math.round(x / q) * q;
  switch (kind) {
    case 'choice': {
      const values = args[0] as TrialValue[];
      return values[random.int(values.length)];
    }
    case 'uniform':
      return uniform();
    case 'loguniform':
      return Math.exp(uniform());
    case 'quniform':
      return quantize(uniform());
    case 'qloguniform':
      return quantize(Math.exp(uniform()));
    case 'randint':
      return random.int(a);
    case 'normal':
      return a + b * random.normal();
    case 'lognormal':
      return Math.exp(a + b * random.normal());
    default:
      throw new Error(`search space "${name}": unknown distribution ${kind}`);
  }
}

/** The `earlyTermination` of a sweep job body. */
export interface RestPolicy {
  policyType: string;
  evaluationInterval?: number;
  delayEvaluation?: number;
  slackFactor?: number;
  slackAmount?: number;
}

/**
 * AzureML's Bandit policy: at every evaluation step (a multiple of the interval, past the delay), a running trial
 * whose metric at that step is worse than the best value any trial reached at that step by more than the slack
 * (factor: relative, amount: absolute) is cancelled. Histories are indexed by step (the epoch the trial logged).
 */
export function banditStops(policy: RestPolicy, goal: 'Minimize' | 'Maximize', step: number, value: number, others: number[]): boolean {
  if (policy.policyType !== 'Bandit') return false;
  const interval = policy.evaluationInterval ?? 1;
  if (step <= (policy.delayEvaluation ?? 0) || interval < 1 || step % interval !== 0 || others.length === 0) return false;
  const all = [...others, value];
  const minimize = goal === 'Minimize';
  const best = minimize ? Math.min(...all) : Math.max(...all);
  const limit =
    policy.slackAmount !== undefined
      ? minimize
        ? best + policy.slackAmount
        : best - policy.slackAmount
      : minimize
        ? best * (1 + (policy.slackFactor ?? 0))
        : best / (1 + (policy.slackFactor ?? 0));
  return minimize ? value > limit : value < limit;
}
