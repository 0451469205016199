import { definePlugin } from '@prd/core';
import { MlflowOptions, resolveConnection } from './config.js';
import { MlflowTracker } from './tracker.js';

/** `track: [{ "use": "mlflow" }]`: mirror runs to an MLflow tracking server and its model registry. */
export const mlflowTracker = definePlugin({
  kind: 'tracker',
  name: 'mlflow',
  description: 'Mirror runs to MLflow: params, per-epoch and final metrics, the run directory as artifacts, the model and its registry version',
  options: MlflowOptions,
  create(options, ctx) {
    // prd creates every plugin through createPlugin, so the options arrive checked, with their defaults filled.
    const full = options as MlflowOptions;
    return new MlflowTracker({ connection: resolveConnection(full, process.env, ctx.pointer), options: full, events: ctx.events });
  },
});
