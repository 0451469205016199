// Test fixture shared by the plot tests (not part of the built package).
import { Declared } from '../declared.js';

/** The precipitation evaluators' metric declarations, as a run's manifest records them. */
export const precipDeclared = new Declared({
  plugins: [
    {
      slot: '/evaluate/0',
      kind: 'evaluator',
      name: 'precip',
      package: 'p',
      version: '1',
      outputs: {
        metrics: {
          fss: { label: 'Fractions skill score', direction: 'higher', ideal: 1, keys: 'thresholds' },
          frequency_bias: { label: 'Frequency bias', direction: 'ideal', ideal: 1, ratio: true, keys: 'bands' },
        },
      },
    },
  ],
});
