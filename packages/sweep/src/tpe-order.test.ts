import { describe, expect, it } from 'vitest';
import { tpeSampler } from './samplers.js';
import { SweepScheduler, type Launcher } from './scheduler.js';
import type { SweepSpec } from './schema.js';
import type { SweepState } from './state.js';

const spec: SweepSpec = {
  space: { lr: { distribution: 'uniform', min: 0, max: 1 }, units: { distribution: 'choice', values: [8, 16, 32] } },
  sampling: { method: 'tpe', startupTrials: 3 },
  objective: { metric: 'test/score', goal: 'minimize' },
  limits: { trials: 10, concurrency: 3 },
};

/**
 * A launcher whose trials last `duration(number)` ms and score (lr - 0.3)² + units / 100: the durations decide which
 * trials finish first, and nothing else differs between two runs.
 */
function timed(duration: (n: number) => number): Launcher {
  return (trial, cb) => {
    cb.started({ runId: `run-${trial.number}`, runDir: `/runs/${trial.number}` });
    cb.dataReady();
    const lr = trial.params.lr as number;
    const units = trial.params.units as number;
    const timer = setTimeout(() => cb.ended({ status: 'finished', metrics: { test: { score: (lr - 0.3) ** 2 + units / 100 } } }), duration(trial.number));
    return { stop: () => clearTimeout(timer) };
  };
}

async function sweep(duration: (n: number) => number) {
  const state: SweepState = { version: 1, sweepId: 's', recipe: 'r.json', set: [], spec, seed: 7, status: 'running', createdAt: '', elapsedMs: 0, dataReady: true, trials: [], childTags: {} };
  const done = await new SweepScheduler({ state, sampler: tpeSampler(Object.entries(spec.space), 7, 3), launch: timed(duration), concurrency: 3 }).run();
  return done.trials.map((t) => t.params);
}

describe('TPE under concurrency', () => {
  it('proposes the same trials whichever trials happen to finish first', async () => {
    const evenSlow = await sweep((n) => (n % 2 === 0 ? 40 : 2));
    const oddSlow = await sweep((n) => (n % 2 === 1 ? 40 : 2));
    const reverse = await sweep((n) => 60 - 5 * n);
    expect(evenSlow).toHaveLength(10);
    expect(oddSlow).toEqual(evenSlow);
    expect(reverse).toEqual(evenSlow);
  });
});
