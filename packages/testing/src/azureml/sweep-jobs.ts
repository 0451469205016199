import type { PlaneJob } from './control-plane.js';
import { banditStops, trialValues, type RestPolicy, type RestSearchSpace, type TrialValue } from './sweep-rules.js';

const TERMINAL = ['Completed', 'Failed', 'Canceled'];

/** What the sweep runner needs from the control plane. */
export interface SweepHost {
  /** Create a child command job with this body and execute it as a submitted job. */
  submit(name: string, body: { properties: Record<string, unknown> }): PlaneJob;
  /** Cancel a job (its process is stopped; it ends Canceled). */
  cancel(job: PlaneJob): void;
  setStatus(job: PlaneJob, status: string): void;
  /** A trial's primary-metric history (step -> value), as its MLflow run holds it. */
  history(job: PlaneJob, metric: string): Promise<Map<number, number>>;
  /** How often trials are looked at, ms. */
  pollMs?: number;
}

interface SweepProperties {
  experimentName?: string;
  computeId?: string;
  trial: { command: string; codeId?: string; environmentId: string; environmentVariables?: Record<string, string>; resources?: Record<string, unknown> };
  searchSpace: RestSearchSpace;
  samplingAlgorithm: { samplingAlgorithmType: string; seed?: number };
  objective: { primaryMetric: string; goal: 'Minimize' | 'Maximize' };
  earlyTermination?: RestPolicy;
  limits?: { maxTotalTrials?: number; maxConcurrentTrials?: number; timeout?: string };
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  properties?: Record<string, string>;
}

/** A trial the runner keeps: its job, values, metric history and whether the policy cancelled it. */
interface Trial {
  job: PlaneJob;
  values: Record<string, TrialValue>;
  history: Map<number, number>;
  evaluated: Set<number>;
  stoppedAtStep?: number;
}

/** The command of a trial: `${{search_space.<name>}}` replaced by its value, as the node would see it. */
export function trialCommand(command: string, values: Record<string, TrialValue>): string {
  return command.replace(/\$\{\{search_space\.([A-Za-z0-9_]+)\}\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** ISO-8601 duration (PT1H2M3S) in ms. */
function durationMs(iso: string | undefined): number | undefined {
  const m = iso ? /^P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso) : null;
  if (!m) return undefined;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1000;
}

/**
 * Run a sweep job as the service does: trials are child command jobs `<sweep>_<n>` (n from 0) with the drawn values
 * in their command, at most maxConcurrentTrials at once until maxTotalTrials; the Bandit policy reads every trial's
 * primary metric from its MLflow run and cancels the ones that fall behind. At the end the sweep's properties name the
 * best completed trial (`best_child_run_id`, `score`), as HyperDrive's parent run does.
 */
export async function runSweep(sweep: PlaneJob, host: SweepHost): Promise<void> {
  const p = sweep.body.properties as unknown as SweepProperties;
  const values = trialValues(p.searchSpace, p.samplingAlgorithm, p.limits?.maxTotalTrials ?? 1);
  const concurrency = p.limits?.maxConcurrentTrials ?? 1;
  const metric = p.objective.primaryMetric;
  const timeout = durationMs(p.limits?.timeout);
  const started = Date.now();
  const trials: Trial[] = [];
  host.setStatus(sweep, 'Running');
  const active = () => trials.filter((t) => !TERMINAL.includes(t.job.status));
  for (;;) {
    const stopping = sweep.cancelRequested || (timeout !== undefined && Date.now() - started > timeout);
    if (stopping) for (const t of active()) if (!t.job.cancelRequested) host.cancel(t.job);
    while (!stopping && active().length < concurrency && trials.length < values.length) {
      const n = trials.length;
      const name = `${sweep.name}_${n}`;
      const job = host.submit(name, {
        properties: {
          jobType: 'Command',
          displayName: name,
          experimentName: p.experimentName,
          computeId: p.computeId,
          codeId: p.trial.codeId,
          environmentId: p.trial.environmentId,
          command: trialCommand(p.trial.command, values[n]),
          environmentVariables: p.trial.environmentVariables ?? {},
          resources: p.trial.resources ?? { instanceCount: 1 },
          inputs: structuredClone(p.inputs ?? {}),
          outputs: structuredClone(p.outputs ?? {}),
          tags: { 'azureml.parentJobName': sweep.name },
          properties: { hyperparameters: JSON.stringify(values[n]) },
        },
      });
      trials.push({ job, values: values[n], history: new Map(), evaluated: new Set() });
    }
    for (const t of trials) if (!t.evaluated.has(-1)) t.history = await host.history(t.job, metric);
    for (const t of active()) {
      if (t.job.cancelRequested || !p.earlyTermination) continue;
      for (const [step, value] of [...t.history].sort((a, b) => a[0] - b[0])) {
        if (t.evaluated.has(step)) continue;
        t.evaluated.add(step);
        const others = trials.filter((o) => o !== t && o.history.has(step)).map((o) => o.history.get(step)!);
        if (banditStops(p.earlyTermination, p.objective.goal, step, value, others)) {
          t.stoppedAtStep = step;
          host.cancel(t.job);
          break;
        }
      }
    }
    // A finished trial's history is final once read after it ended.
    for (const t of trials) if (TERMINAL.includes(t.job.status) && !t.evaluated.has(-1)) t.evaluated.add(-1);
    if (active().length === 0 && (stopping || trials.length >= values.length)) break;
    await new Promise((r) => setTimeout(r, host.pollMs ?? 200));
  }
  for (const t of trials) t.history = await host.history(t.job, metric);
  const last = (t: Trial) => [...t.history].sort((a, b) => a[0] - b[0]).pop()?.[1];
  const better = (a: number, b: number) => (p.objective.goal === 'Minimize' ? a < b : a > b);
  const best = trials.filter((t) => t.job.status === 'Completed' && last(t) !== undefined).reduce<Trial | undefined>((b, t) => (!b || better(last(t)!, last(b)!) ? t : b), undefined);
  p.properties = { ...(p.properties ?? {}), ...(best ? { best_child_run_id: best.job.name, score: String(last(best)) } : {}) };
  for (const t of trials) if (t.stoppedAtStep !== undefined) t.job.body.properties.properties = { ...(t.job.body.properties.properties as object), 'azureml.earlyTermination': `Bandit at step ${t.stoppedAtStep}` };
  host.setStatus(sweep, sweep.cancelRequested ? 'Canceled' : trials.length > 0 && trials.every((t) => t.job.status === 'Failed') ? 'Failed' : 'Completed');
}

/** A metric's history (step -> value) from a real MLflow server; empty while the run or metric does not exist. */
export async function metricHistory(mlflowUri: string | undefined, runId: string, metric: string): Promise<Map<number, number>> {
  if (!mlflowUri) return new Map();
  const url = `${mlflowUri.replace(/\/+$/, '')}/api/2.0/mlflow/metrics/get-history?run_id=${encodeURIComponent(runId)}&metric_key=${encodeURIComponent(metric)}`;
  const answer = await fetch(url).catch(() => undefined);
  if (!answer?.ok) return new Map();
  const { metrics = [] } = (await answer.json()) as { metrics?: Array<{ step?: number; value: number }> };
  return new Map(metrics.map((m) => [Number(m.step ?? 0), m.value]));
}
