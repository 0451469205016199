import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyEpochs, trialJob } from './worker-launcher.js';
import type { TrialRecord } from './state.js';

const options = { command: ['node', 'prd'], sweepId: 's1', sweepDir: '/s', recipe: '/r.json', set: ['train.epochs=4'], runsDir: '/runs', cacheDir: '/cache', childTags: { 'mlflow.parentRunId': 'abc' } };
const trial = (over: Partial<TrialRecord> = {}): TrialRecord => ({ number: 3, params: { 'train.batchSize': 32, 'model.with.name': 'a b' }, unit: [0.1, 0.2], state: 'running', curve: {}, attempts: 1, ...over });

describe('trialJob', () => {
  it('is the sweep recipe with the sweep off and the trial values set, the shared cache, and nesting tags', () => {
    expect(trialJob(options, trial())).toEqual({
      prdJob: 1,
      kind: 'run',
      recipe: '/r.json',
      set: ['train.epochs=4', 'sweep=null', 'train.batchSize=32', 'model.with.name="a b"'],
      runsDir: '/runs',
      cacheDir: '/cache',
      tags: { 'mlflow.parentRunId': 'abc', 'prd.sweep_id': 's1', 'prd.sweep_trial': '3' },
    });
  });
  it('resumes the trial its own run on a second attempt', () => {
    expect(trialJob(options, trial({ runId: 'run-3', attempts: 2 })).resume).toBe('run-3');
    expect(trialJob(options, trial({ runId: 'run-3', attempts: 1 })).resume).toBeUndefined();
  });
});

describe('historyEpochs', () => {
  it('reads per-epoch metrics from history.csv (trials whose training came from the cache)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prd-sweep-hist-'));
    writeFileSync(join(dir, 'history.csv'), 'epoch,loss,val_loss,learning_rate,duration_ms,timestamp\n1,0.5,0.6,0.01,100,1\n2,0.4,0.45,0.01,100,2\n');
    expect(historyEpochs(dir)).toEqual([
      { epoch: 1, metrics: { loss: 0.5, val_loss: 0.6 } },
      { epoch: 2, metrics: { loss: 0.4, val_loss: 0.45 } },
    ]);
  });
});
