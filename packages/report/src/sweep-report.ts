import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './html.js';
import { prefixSvgIds, renderSvg } from './render.js';

/** One trial as the sweep report shows it. */
export interface SweepReportTrial {
  number: number;
  state: string;
  params: Record<string, unknown>;
  objective?: number;
  /** Objective per epoch. */
  curve: Record<string, number>;
  stoppedBy?: { rule: string; reason: string };
  runId?: string;
}

/** What the sweep report needs. */
export interface SweepReportInput {
  sweepId: string;
  recipe: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  status: string;
  elapsedMs: number;
  best?: number;
  trials: SweepReportTrial[];
}

const STATE_COLORS = { domain: ['finished', 'early-stopped', 'timed-out', 'failed', 'interrupted', 'running', 'pending'], range: ['#2e7d32', '#ef6c00', '#8e24aa', '#c62828', '#757575', '#1565c0', '#bdbdbd'] };

/** The objective of every trial, coloured by how it ended. */
export function objectivePlot(input: SweepReportInput): TopLevelSpec {
  const values = input.trials.filter((t) => t.objective !== undefined).map((t) => ({ trial: t.number, objective: t.objective, state: t.state }));
  return {
    width: 460,
    height: 220,
    title: { text: `${input.metric} per trial`, subtitle: `${input.goal}; early-stopped trials at their last epoch` },
    data: { values },
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x: { field: 'trial', type: 'quantitative', title: 'Trial', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'objective', type: 'quantitative', title: input.metric, scale: { zero: false } },
      color: { field: 'state', type: 'nominal', title: null, scale: STATE_COLORS },
    },
  };
}

/** The objective per epoch of every trial: where early termination cut trials off. */
export function curvesPlot(input: SweepReportInput): TopLevelSpec {
  const values = input.trials.flatMap((t) => Object.entries(t.curve).map(([epoch, value]) => ({ trial: `trial ${t.number}`, epoch: Number(epoch), value, state: t.state })));
  return {
    width: 460,
    height: 220,
    title: { text: `${input.metric} per epoch`, subtitle: 'one line per trial' },
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: input.metric, scale: { zero: false } },
      detail: { field: 'trial', type: 'nominal' },
      color: { field: 'state', type: 'nominal', title: null, scale: STATE_COLORS },
    },
  };
}

/**
 * Parallel coordinates of the searched values and the objective: each axis scaled to [0, 1] (log for values that
 * span more than a decade), one line per trial coloured by its objective.
 */
export function parallelCoordinates(input: SweepReportInput): TopLevelSpec {
  const scored = input.trials.filter((t) => t.objective !== undefined);
  const axes = [...Object.keys(scored[0]?.params ?? {}), input.metric];
  const raw = (t: SweepReportTrial, axis: string): number | string => (axis === input.metric ? t.objective! : typeof t.params[axis] === 'number' ? (t.params[axis] as number) : JSON.stringify(t.params[axis]));
  const scales = axes.map((axis) => {
    const values = scored.map((t) => raw(t, axis));
    if (values.every((v) => typeof v === 'number')) {
      const nums = values as number[];
      const log = nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) > 10;
      const f = (v: number) => (log ? Math.log10(v) : v);
      const lo = Math.min(...nums.map(f));
      const hi = Math.max(...nums.map(f));
      return (v: number | string) => (hi === lo ? 0.5 : (f(v as number) - lo) / (hi - lo));
    }
    const categories = [...new Set(values.map(String))].sort();
    return (v: number | string) => (categories.length === 1 ? 0.5 : categories.indexOf(String(v)) / (categories.length - 1));
  });
  const values = scored.flatMap((t) =>
    axes.map((axis, i) => ({ trial: t.number, axis, position: scales[i](raw(t, axis)), value: fmt(raw(t, axis)), objective: t.objective, state: t.state })),
  );
  return {
    width: Math.max(320, 150 * axes.length),
    height: 260,
    title: { text: 'Searched values against the objective', subtitle: 'each axis scaled to its range (log where values span decades); one line per trial' },
    data: { values },
    layer: [
      {
        mark: { type: 'line', opacity: 0.75, strokeWidth: 1.6 },
        encoding: {
          x: { field: 'axis', type: 'nominal', sort: axes, title: null, axis: { labelAngle: 0, labelLimit: 160 } },
          y: { field: 'position', type: 'quantitative', axis: null },
          detail: { field: 'trial', type: 'nominal' },
          color: { field: 'objective', type: 'quantitative', title: input.metric, scale: { scheme: 'viridis', reverse: input.goal === 'minimize' } },
        },
      },
      {
        mark: { type: 'text', dx: 4, align: 'left', fontSize: 8, opacity: 0.8 },
        encoding: {
          x: { field: 'axis', type: 'nominal', sort: axes },
          y: { field: 'position', type: 'quantitative' },
          text: { field: 'value', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The sweep's report.html: summary table, objective per trial, curves and parallel coordinates, self-contained. */
export async function sweepReportHtml(input: SweepReportInput): Promise<string> {
  const plots = [objectivePlot(input), curvesPlot(input), parallelCoordinates(input)];
  const svgs = await Promise.all(plots.map(async (spec, i) => prefixSvgIds(await renderSvg(spec), `p${i}`)));
  const paths = Object.keys(input.trials[0]?.params ?? {});
  const rows = input.trials
    .map(
      (t) =>
        `<tr${t.number === input.best ? ' class="best"' : ''}><td class="num">${t.number}</td><td>${escapeHtml(t.state)}</td>${paths.map((p) => `<td class="num">${escapeHtml(fmt(t.params[p]))}</td>`).join('')}<td class="num">${t.objective === undefined ? '' : escapeHtml(fmt(t.objective))}</td><td>${escapeHtml(t.stoppedBy ? `${t.stoppedBy.rule}: ${t.stoppedBy.reason}` : '')}</td><td>${escapeHtml(t.runId ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sweep ${escapeHtml(input.sweepId)}</title>
<style>body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0 28px 40px;color:#1a1a1a}h1{font-size:21px}table{border-collapse:collapse;font-size:12.5px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.best{font-weight:bold;background:#e8f5e9}
figure{display:inline-block;margin:8px 14px 14px 0;vertical-align:top;border:1px solid #ddd;padding:6px}</style></head><body>
<h1>Sweep ${escapeHtml(input.sweepId)}</h1>
<p>${escapeHtml(input.recipe)} · objective <b>${escapeHtml(input.metric)}</b> (${input.goal}) · ${input.trials.length} trials · ${escapeHtml(input.status)} · ${(input.elapsedMs / 1000).toFixed(0)} s${input.best !== undefined ? ` · best: trial ${input.best}` : ''}</p>
<table><tr><th>trial</th><th>state</th>${paths.map((p) => `<th>${escapeHtml(p)}</th>`).join('')}<th>${escapeHtml(input.metric)}</th><th>stopped by</th><th>run</th></tr>
${rows}</table>
${svgs.map((svg) => `<figure>${svg}</figure>`).join('\n')}
</body></html>
`;
}
