/**
 * The MLflow run AzureML keeps for every job: created when the job starts (its id goes to the job as
 * $MLFLOW_RUN_ID) and closed with the job's outcome if the job's own code did not close it.
 */

interface MlflowRunInfo {
  run_id: string;
  experiment_id: string;
  status: string;
}

async function call<T>(mlflowUri: string, path: string, body?: unknown): Promise<T> {
  const answer = await fetch(`${mlflowUri.replace(/\/+$/, '')}/api/2.0/mlflow/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`MLflow ${path}: ${answer.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Create the job's run in the experiment AzureML files it under (created when missing). */
export async function openJobRun(mlflowUri: string, experimentName: string, jobName: string): Promise<MlflowRunInfo> {
  const byName = async () => (await call<{ experiment: { experiment_id: string } }>(mlflowUri, `experiments/get-by-name?experiment_name=${encodeURIComponent(experimentName)}`)).experiment.experiment_id;
  let experimentId: string;
  try {
    experimentId = await byName();
  } catch {
    try {
      experimentId = (await call<{ experiment_id: string }>(mlflowUri, 'experiments/create', { name: experimentName })).experiment_id;
    } catch (error) {
      // Jobs starting together (a sweep's trials) race to create the experiment: the loser reads the winner's.
      if (!String(error).includes('RESOURCE_ALREADY_EXISTS')) throw error;
      experimentId = await byName();
    }
  }
  const created = await call<{ run: { info: MlflowRunInfo } }>(mlflowUri, 'runs/create', {
    experiment_id: experimentId,
    run_name: jobName,
    start_time: Date.now(),
    tags: [{ key: 'azureml.job', value: jobName }],
  });
  return created.run.info;
}

/** Close the run with the job's outcome unless the job's code already ended it. */
export async function closeJobRun(mlflowUri: string, runId: string, jobStatus: string): Promise<void> {
  const { run } = await call<{ run: { info: MlflowRunInfo } }>(mlflowUri, `runs/get?run_id=${runId}`);
  if (run.info.status !== 'RUNNING') return;
  const status = jobStatus === 'Completed' ? 'FINISHED' : jobStatus === 'Canceled' ? 'KILLED' : 'FAILED';
  await call(mlflowUri, 'runs/update', { run_id: runId, status, end_time: Date.now() });
}
