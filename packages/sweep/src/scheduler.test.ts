import { describe, expect, it } from 'vitest';
import { randomSampler } from './samplers.js';
import { SweepScheduler, type Launcher } from './scheduler.js';
import type { SweepSpec } from './schema.js';
import type { SweepState, TrialRecord } from './state.js';

function newState(spec: SweepSpec): SweepState {
  return { version: 1, sweepId: 's', recipe: 'r.json', set: [], spec, seed: 1, status: 'running', createdAt: '', elapsedMs: 0, dataReady: false, trials: [], childTags: {} };
}

const spec = (over: Partial<SweepSpec> = {}): SweepSpec => ({
  space: { lr: { distribution: 'uniform', min: 0, max: 1 } },
  objective: { metric: 'val_loss', goal: 'minimize' },
  limits: { trials: 6, concurrency: 2 },
  ...over,
});

/**
 * A launcher of simulated trials: each reports data-ready, then one epoch every `tick` ms with val_loss = lr + 1/epoch,
 * and finishes after `epochs`; stop() ends it as killed at the next tick.
 */
function simulated(epochs = 4, tick = 5) {
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const launch: Launcher = (trial: TrialRecord, cb) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    log.push(`start ${trial.number}${trial.runId ? ` resume ${trial.runId}` : ''}`);
    let stopped = false;
    let epoch = trial.epoch ?? 0;
    const lr = trial.params.lr as number;
    cb.started({ runId: trial.runId ?? `run-${trial.number}`, runDir: `/runs/run-${trial.number}` });
    const step = () => {
      if (stopped) {
        running--;
        log.push(`killed ${trial.number}`);
        cb.ended({ status: 'killed', error: 'stopped' });
        return;
      }
      if (epoch === 0) cb.dataReady();
      epoch++;
      cb.epoch(epoch, epochs, { loss: lr, val_loss: lr + 1 / epoch });
      if (epoch >= epochs) {
        running--;
        log.push(`end ${trial.number}`);
        cb.ended({ status: 'finished', metrics: { test: { score: lr } } });
        return;
      }
      setTimeout(step, tick);
    };
    setTimeout(step, tick);
    return { stop: () => (stopped = true) };
  };
  return { launch, log, maxRunning: () => maxRunning };
}

describe('SweepScheduler', () => {
  it('runs every trial, at most `concurrency` at once, the first alone until its data is ready', async () => {
    const sim = simulated();
    const state = newState(spec());
    const counts: number[] = [];
    const scheduler = new SweepScheduler({
      state,
      sampler: randomSampler([['lr', spec().space.lr]], 1),
      launch: sim.launch,
      concurrency: 2,
      changed: (s) => counts.push(s.trials.filter((t) => t.state === 'running').length),
    });
    const done = await scheduler.run();
    expect(done.status).toBe('finished');
    expect(done.trials.map((t) => t.state)).toEqual(Array(6).fill('finished'));
    expect(sim.maxRunning()).toBe(2);
    // before trial 1 reported data-ready, nothing else started
    expect(sim.log[0]).toBe('start 1');
    expect(sim.log[1]).toBe('start 2');
    expect(done.trials.every((t) => t.objective === (t.params.lr as number) + 0.25)).toBe(true);
    expect(done.best).toBe(done.trials.reduce((b, t) => ((t.params.lr as number) < (b.params.lr as number) ? t : b)).number);
  });

  it('stops trials early with the rule and reason, and frees their slot at once', async () => {
    const sim = simulated(6);
    const state = newState(spec({ earlyTermination: { policy: 'bandit', slackAmount: 0.05, evaluationInterval: 2 }, limits: { trials: 8, concurrency: 2 } }));
    await new SweepScheduler({ state, sampler: randomSampler([['lr', spec().space.lr]], 4), launch: sim.launch, concurrency: 2 }).run();
    const stopped = state.trials.filter((t) => t.state === 'early-stopped');
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) {
      expect(t.stoppedBy?.rule).toBe('bandit');
      expect(t.stoppedBy?.reason).toMatch(/val_loss .* at epoch \d+ is outside slack amount 0.05/);
      expect(t.epoch).toBeLessThan(6);
    }
    expect(state.trials).toHaveLength(8);
    expect(state.status).toBe('finished');
  });

  it('stops everything on stop() and resumes the interrupted trials (from their run) on a new scheduler', async () => {
    const sim = simulated(6, 10);
    const state = newState(spec({ limits: { trials: 4, concurrency: 2 } }));
    const sampler = randomSampler([['lr', spec().space.lr]], 2);
    const first = new SweepScheduler({ state, sampler, launch: sim.launch, concurrency: 2 });
    const running = first.run();
    setTimeout(() => first.stop(), 45);
    const interrupted = await running;
    expect(interrupted.status).toBe('interrupted');
    const cut = interrupted.trials.filter((t) => t.state === 'interrupted');
    expect(cut.length).toBeGreaterThan(0);
    const params = interrupted.trials.map((t) => t.params);

    const saved = JSON.parse(JSON.stringify(interrupted)) as SweepState;
    const sim2 = simulated(6, 2);
    const resumed = await new SweepScheduler({ state: saved, sampler, launch: sim2.launch, concurrency: 2 }).run();
    expect(resumed.status).toBe('finished');
    expect(resumed.trials.map((t) => t.state)).toEqual(Array(4).fill('finished'));
    // interrupted trials continued their own runs with the same values
    for (const t of cut) expect(sim2.log).toContain(`start ${t.number} resume run-${t.number}`);
    expect(resumed.trials.slice(0, params.length).map((t) => t.params)).toEqual(params);
    // the trials drawn after the resume are the ones an uninterrupted sweep would have drawn
    expect(resumed.trials.map((t) => t.params)).toEqual([0, 1, 2, 3].map((i) => sampler.draw(i, [])!.params));
  });

  it('stops the sweep with a clear error when the objective is not reported', async () => {
    const sim = simulated();
    const state = newState(spec({ objective: { metric: 'val_los', goal: 'minimize' } }));
    const done = await new SweepScheduler({ state, sampler: randomSampler([['lr', spec().space.lr]], 1), launch: sim.launch, concurrency: 2 }).run();
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/the objective "val_los" is not among the metrics training reports per epoch \(loss, val_loss\); did you mean "val_loss"\?/);
  });

  it('reads an end-metric objective from the finished run and stops trials over their time limit', async () => {
    const sim = simulated(3, 20);
    const state = newState(spec({ objective: { metric: 'test/score', goal: 'maximize' }, limits: { trials: 2, concurrency: 1, trialTimeoutSeconds: 0.03 } }));
    const done = await new SweepScheduler({ state, sampler: randomSampler([['lr', spec().space.lr]], 1), launch: sim.launch, concurrency: 1 }).run();
    expect(done.trials.map((t) => t.state)).toEqual(['timed-out', 'timed-out']);
    expect(done.trials[0].stoppedBy).toEqual({ rule: 'trial-timeout', reason: 'the trial ran longer than 0.03 s' });

    const ok = newState(spec({ objective: { metric: 'test/score', goal: 'maximize' }, limits: { trials: 3, concurrency: 1 } }));
    const fine = await new SweepScheduler({ state: ok, sampler: randomSampler([['lr', spec().space.lr]], 1), launch: simulated(2, 1).launch, concurrency: 1 }).run();
    expect(fine.trials.map((t) => t.objective)).toEqual(fine.trials.map((t) => t.params.lr));
    expect(fine.trials[fine.best! - 1].objective).toBe(Math.max(...fine.trials.map((t) => t.objective!)));
  });
});
