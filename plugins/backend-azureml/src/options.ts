import { WorkspaceOptions } from '@prd/azure';
import { Type, type Static } from '@sinclair/typebox';

/** The `with` options of `compute: { "use": "azureml" }`. */
export const AzureMlOptions = Type.Object(
  {
    cluster: Type.String({ minLength: 2, description: 'Name of the workspace compute cluster the run goes to' }),
    instanceType: Type.Optional(Type.String({ description: 'VM size of the nodes, such as "Standard_DS3_v2" (default: the cluster\'s)' })),
    instanceCount: Type.Integer({ minimum: 1, default: 1, description: 'Nodes the job takes' }),
    environment: Type.Optional(Type.String({ description: 'Existing environment "name:version" or ARM id; default prd\'s own Node 20 environment, created once per prd version' })),
    baseImage: Type.String({ default: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest', description: 'Base image of prd\'s environment' }),
    experiment: Type.Optional(Type.String({ description: 'Experiment of the job; default the recipe name' })),
    device: Type.String({ default: 'auto', description: 'compute.with.device of the run on the node (local backend there)' }),
    timeout: Type.Optional(Type.String({ pattern: '^P', description: 'Job time limit, ISO 8601 duration such as "PT2H"' })),
    registerModel: Type.Optional(Type.String({ minLength: 1, description: 'Register the model of a FINISHED run as the next version of this workspace model (custom_model, from the job output)' })),
    pollSeconds: Type.Number({ minimum: 0.05, default: 10, description: 'How often status and logs are read' }),
    ...WorkspaceOptions,
  },
  { additionalProperties: false },
);
/** Validated options. */
export type AzureMlOptions = Static<typeof AzureMlOptions>;
