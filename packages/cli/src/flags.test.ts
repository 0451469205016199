import { describe, expect, it } from 'vitest';
import Evaluate from './commands/evaluate.js';
import Explain from './commands/explain.js';
import Predict from './commands/predict.js';
import { pluginRefs } from './flags.js';

describe('the flags of the commands that apply a trained model to data', () => {
  const commands = { predict: Predict, evaluate: Evaluate, explain: Explain };
  const shared = ['model', 'data', 'device', 'runs-dir', 'cache-dir', 'memory-limit'];

  it('are one set, with each command\'s own words in its help', () => {
    for (const [name, command] of Object.entries(commands)) expect(Object.keys(command.flags), name).toEqual(expect.arrayContaining(shared));
    expect(Object.values(commands).map((c) => c.flags.data.description)).toEqual([
      'Merged CSV (or Parquet) files or globs to predict, quoted. Repeatable.',
      'Merged CSV (or Parquet) files or globs to score, quoted. Repeatable.',
      'Merged CSV (or Parquet) files or globs to explain the model on, quoted. Repeatable.',
    ]);
    expect(Object.values(commands).map((c) => c.flags['runs-dir'].description)).toEqual([
      'Where the run directory that records the prediction is written.',
      'Where the run directory that records the evaluation is written.',
      'Where the run directory that records the explanation is written.',
    ]);
    expect(Object.keys(Predict.flags)).not.toContain('no-report');
    expect([Evaluate.flags['no-report'], Explain.flags['no-report']].every(Boolean)).toBe(true);
  });

  it('read a repeatable plugin flag as names or JSON references, and say what is wrong with bad JSON', () => {
    expect(pluginRefs(['fss', ' {"use":"mae","with":{"a":1}}'], 'evaluate', '{"use":"fss"}')).toEqual([{ use: 'fss' }, { use: 'mae', with: { a: 1 } }]);
    expect(pluginRefs([], 'evaluate', '')).toBeUndefined();
    expect(() => pluginRefs(['{"use":'], 'explainer', '{"use":"saliency"}')).toThrow(/--explainer \{"use":: not a plugin name nor JSON like \{"use":"saliency"\}/);
  });
});
