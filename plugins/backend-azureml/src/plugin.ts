import { definePlugin, PrdError, type ComputeBackend } from '@prd/core';
import { AzureMlOptions } from './options.js';
import { submitRun } from './submit.js';
import { submitSweep } from './sweep-submit.js';

/** `compute: { "use": "azureml" }`: the whole run goes to an AzureML compute cluster as a command job. */
export const azureMlBackend = definePlugin({
  kind: 'backend',
  name: 'azureml',
  description: 'Runs the whole recipe on an AzureML compute cluster (command job running prd worker), streams it, downloads the run directory',
  options: AzureMlOptions,
  create(options, ctx): ComputeBackend {
    const local = (what: string) => () => Promise.reject(new PrdError(`the azureml backend runs whole recipes on the cluster (prd run); it does not ${what} here`));
    return {
      describe: () => `AzureML cluster ${options.cluster}${options.instanceType ? ` (${options.instanceType})` : ''}`,
      train: local('train a single step'),
      predict: local('predict'),
      submitRun: (request) => submitRun(request, options, ctx.pointer),
      submitSweep: (request) => submitSweep(request, options, ctx.pointer),
    };
  },
});
