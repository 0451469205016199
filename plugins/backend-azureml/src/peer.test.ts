import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunEvents } from '@prd/core';
import { azureAiMlPython } from '@prd/testing';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { AzureMlOptions } from './options.js';
import { planJob } from './submit.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');

/** The command-job YAML a Python user would write for the same run. */
function yamlFor(p: Record<string, unknown>): string {
  const res = p.resources as { instanceCount: number; instanceType: string };
  return [
    'type: command',
    `command: ${JSON.stringify(p.command)}`,
    'code: ./code',
    'environment: azureml:placeholder:1',
    'compute: azureml:placeholder',
    `display_name: ${p.displayName}`,
    `experiment_name: ${p.experimentName}`,
    `description: ${JSON.stringify(p.description)}`,
    'tags:',
    `  prd.recipe: ${(p.tags as Record<string, string>)['prd.recipe']}`,
    'outputs:',
    '  run:',
    '    type: uri_folder',
    '    mode: rw_mount',
    'resources:',
    `  instance_count: ${res.instanceCount}`,
    `  instance_type: ${res.instanceType}`,
    '',
  ].join('\n');
}

const PEER = `
import json, sys
from azure.ai.ml import load_job
job = load_job(sys.argv[1])
job = job._to_job() if hasattr(job, "_to_job") else job
ids = json.loads(sys.argv[2])
# The SDK's client resolves these names to ARM ids before it sends; prd computes the same ids itself.
job.code, job.environment, job.compute = ids["codeId"], ids["environmentId"], ids["computeId"]
print(json.dumps(job._to_rest_object().as_dict()))
`;

describe('the command job body', () => {
  it('equals, field by field, the body azure-ai-ml builds from the equivalent YAML', () => {
    const recipe = JSON.parse(readFileSync(join(REPO, 'recipes', 'quickstart.json'), 'utf8')) as Record<string, unknown>;
    recipe.name = 'azureml-quickstart';
    const options = Value.Default(AzureMlOptions, { cluster: 'cpu-cluster', instanceType: 'Standard_DS3_v2' }) as AzureMlOptions;
    const ws = { subscriptionId: '00000000-0000-4000-8000-000000000001', resourceGroup: 'rg', workspace: 'ws', armEndpoint: 'https://management.azure.com', origin: 'test' };
    const { body } = planJob({ recipe, baseDir: REPO, runsDir: 'runs', packagesFor: () => [], prdVersion: '0.1.0', dryRun: true, events: new RunEvents(), signal: new AbortController().signal }, options, ws, { name: 'prd-node20', version: '0123456789abcdef01234567' });
    const dir = mkdtempSync(join(tmpdir(), 'prd-peer-'));
    mkdirSync(join(dir, 'code'));
    writeFileSync(join(dir, 'job.yml'), yamlFor(body.properties));
    const p = body.properties as Record<string, string>;
    const ids = { codeId: p.codeId, environmentId: p.environmentId, computeId: p.computeId };
    const out = spawnSync(azureAiMlPython(), ['-c', PEER, join(dir, 'job.yml'), JSON.stringify(ids)], { encoding: 'utf8', cwd: dir });
    expect(out.status, out.stderr).toBe(0);
    const sdk = JSON.parse(out.stdout) as { properties: Record<string, unknown> };
    expect(body).toEqual(sdk);
  }, 60_000);
});
