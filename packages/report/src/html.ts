import type { Manifest } from '@prd/core';
import { Declared } from './declared.js';
import { emptyKeys, metricRows, describeMetric } from './plots/metrics.js';
import { SECTIONS, type Plot, type Section } from './plots/plot.js';
import { unitOf, type HistoryRow, type RunData } from './run-data.js';

/** A plot after rendering: its markup for the page, or why it could not be drawn. */
export interface RenderedPlot {
  plot: Omit<Plot, 'spec'>;
  /** Inline SVG or an <img> with a PNG data URI. */
  markup?: string;
  error?: string;
}

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const SECTION_TITLES: Record<Section, string> = {
  training: 'Training',
  metrics: 'Metrics',
  'cell-maps': 'Scores per grid cell',
  maps: 'Forecast maps',
  stamps: 'Postage stamps',
  explain: 'Explanations',
};

const STYLE = `
body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#12355b;color:#fff;padding:18px 28px}header h1{margin:0 0 6px;font-size:22px}
header .meta{font-size:13px;opacity:.9}nav{padding:8px 28px;background:#e8eef5;font-size:13px}
nav a{margin-right:14px;color:#12355b}main{padding:8px 28px 40px}section{margin:22px 0}
h2{border-bottom:2px solid #12355b;padding-bottom:4px;font-size:19px}h3{font-size:15px;margin:18px 0 8px}h4{font-size:13px;margin:12px 0 4px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0 12px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}td.better{font-weight:bold;color:#0b6b2e}
figure{display:inline-block;margin:8px 14px 14px 0;vertical-align:top;background:#fff;border:1px solid #ddd;padding:6px}
figure img{display:block;max-width:100%;height:auto}figcaption{font-size:11.5px;color:#555;margin-top:4px;max-width:640px}
pre{background:#fff;border:1px solid #ddd;padding:10px;font-size:11.5px;overflow:auto;max-height:480px}
.status{display:inline-block;padding:1px 8px;border-radius:3px;font-weight:bold;font-size:12px}
.FINISHED{background:#2e7d32}.FAILED{background:#c62828}.KILLED,.RUNNING{background:#ef6c00}
.error{color:#c62828}.note{color:#555;font-size:12.5px}`;

function table(head: string[], rows: Array<Array<string | { html: string; cls?: string }>>): string {
  const cell = (c: string | { html: string; cls?: string }) => (typeof c === 'string' ? `<td>${escapeHtml(c)}</td>` : `<td class="${c.cls ?? ''}">${c.html}</td>`);
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

const fmt = (v: number | null | undefined, digits = 4): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Number.isInteger(v) && Math.abs(v) >= 1e4) return v.toLocaleString('en-GB');
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(digits);
};

function json(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

function summary(run: RunData): string {
  const recipe = (run.recipe ?? {}) as Record<string, unknown>;
  const slot = (value: unknown): string => {
    if (value === undefined || value === null) return '–';
    if (Array.isArray(value)) return value.map(slot).join(', ') || '–';
    if (typeof value === 'object' && 'use' in value) {
      const { use, with: options } = value as { use: string; with?: Record<string, unknown> };
      return options && Object.keys(options).length ? `${use} ${JSON.stringify(options)}` : use;
    }
    return JSON.stringify(value);
  };
  const data = (recipe.data ?? {}) as Record<string, unknown>;
  const rows: Array<[string, string]> = [
    ['source', slot(data.source)],
    ['features', JSON.stringify(data.features ?? {})],
    ['transforms', slot(data.transforms)],
    ['split', slot(recipe.split)],
    ['rebalance', slot(recipe.rebalance)],
    ['model', slot(recipe.model)],
    ['train', JSON.stringify(recipe.train ?? {})],
    ['compute', slot(recipe.compute)],
    ['track', slot(recipe.track)],
    ['evaluate', slot(recipe.evaluate)],
    ['explain', slot(recipe.explain)],
  ];
  return `<section id="recipe"><h2>Recipe</h2>${table(['slot', 'value'], rows)}<details><summary>recipe.resolved.json</summary>${json(run.recipe ?? {})}</details></section>`;
}

function dataSection(run: RunData): string {
  const m = run.manifest;
  const p = run.preprocessing;
  const parts: string[] = [];
  if (m.data) {
    parts.push(table(['', ''], [['description', m.data.description], ['fingerprint', m.data.fingerprint], ...Object.entries(m.data.rows ?? {}).map(([split, n]): [string, string] => [`rows: ${split}`, String(n)])]));
  }
  if (p) {
    const heights = p.heights.length ? `${p.heights.length} levels, ${p.heights[0]} to ${p.heights[p.heights.length - 1]} m` : 'none';
    parts.push(table(['', ''], [['task', p.task], ['profile features', p.profile.map((f) => f.name).join(', ') || '–'], ['heights', heights], ['single-level features', p.singleLevel.join(', ') || '–'], ['target', p.target.columns.join(', ')], ['NWP baseline', p.baseline.kind === 'none' ? 'none' : p.baseline.columns.join(', ')]]));
    if (p.bands.length) parts.push(`<h3>Intensity bands</h3>${table(['key', 'lower', 'upper'], p.bands.map((b) => [b.key, String(b.lower), String(b.upper)]))}`);
  }
  return `<section id="data"><h2>Data</h2>${parts.join('') || '<p class="note">The run recorded no data summary.</p>'}</section>`;
}

/** The epoch of the lowest value of `metric` in history.csv (the first of equal ones), if it was recorded. */
export function lowestEpoch(history: readonly HistoryRow[], metric: string): { epoch: number; value: number } | undefined {
  let best: { epoch: number; value: number } | undefined;
  for (const row of history) {
    const value = row[metric];
    if (typeof value === 'number' && Number.isFinite(value) && (best === undefined || value < best.value)) best = { epoch: row.epoch, value };
  }
  return best;
}

const TRAINING_LABELS: Record<string, string> = { stoppedEarly: 'stopped early', samplesPerSecond: 'samples per second' };

function trainingTable(manifest: Manifest, history: readonly HistoryRow[]): string {
  const t = manifest.training;
  if (!t) return '<p class="note">The run has no training record.</p>';
  // The backend's bestEpoch is the epoch whose weights were kept: the last one unless early stopping restored the
  // best. The lowest validation loss is read from the history, so a run whose val_loss was lowest earlier says so.
  const monitor = history.some((r) => typeof r.val_loss === 'number') ? 'val_loss' : 'loss';
  const lowest = lowestEpoch(history, monitor);
  const rows: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(t)) {
    if (k === 'bestEpoch') {
      rows.push(['weights kept from', `epoch ${String(v)}`]);
      if (lowest) rows.push([`lowest ${monitor}`, `epoch ${lowest.epoch} (${fmt(lowest.value)})${lowest.epoch !== v ? '; the kept weights are not those (train.earlyStopping keeps the best)' : ''}`]);
      continue;
    }
    rows.push([TRAINING_LABELS[k] ?? k, typeof v === 'number' ? fmt(v, k === 'samplesPerSecond' ? 1 : 0) : typeof v === 'string' ? v : JSON.stringify(v)]);
  }
  return table(['', ''], rows);
}

/**
 * Metric tables per split and score: one row per aggregation, ML and NWP side by side for each key. Every scalar
 * is shown; labels, key kinds and which side is better come from what the evaluators declared.
 */
function metricTables(run: RunData): string {
  const declared = new Declared(run.manifest, run.preprocessing?.bands ?? []);
  const unit = unitOf(run);
  const parts: string[] = [];
  for (const [split, tree] of Object.entries(run.metrics)) {
    if (!tree || typeof tree !== 'object') continue;
    const rows = metricRows(tree as never);
    if (rows.length === 0) continue;
    parts.push(`<h3>${escapeHtml(split)} split</h3>`);
    const scores = [...new Set(rows.map((r) => describeMetric(r.metric).score))];
    for (const score of scores) {
      const all = rows.filter((r) => describeMetric(r.metric).score === score);
      // A key where nothing has a value (no truth ever above 220 mm/h) is a note, not a column of dashes.
      const empty = emptyKeys(all);
      const ofScore = all.filter((r) => !empty.has(r.key));
      const keys = [...new Set(ofScore.map((r) => r.key))];
      const metrics = [...new Set(ofScore.map((r) => r.metric))];
      const head = `<tr><th rowspan="2">aggregation</th>${keys.map((k) => `<th colspan="2">${escapeHtml(k === '' ? 'value' : declared.keyLabel(score, k, unit))}</th>`).join('')}</tr><tr>${keys.map(() => '<th>ML</th><th>NWP</th>').join('')}</tr>`;
      const body = metrics.map((metric) => {
        const cells = keys.map((key) => {
          const r = ofScore.find((x) => x.metric === metric && x.key === key);
          if (!r) return '<td></td><td></td>';
          const best = declared.better(metric, r.ml, r.nwp);
          return `<td class="num${best === 'ml' ? ' better' : ''}">${fmt(r.ml)}</td><td class="num${best === 'nwp' ? ' better' : ''}">${fmt(r.nwp)}</td>`;
        });
        return `<tr><td>${escapeHtml(describeMetric(metric).aggregation)}</td>${cells.join('')}</tr>`;
      });
      const direction = declared.metric(score)?.direction;
      const note = direction === undefined ? ' <span class="note">(direction not declared)</span>' : '';
      const emptyNote = empty.size > 0 ? `<p class="note">${escapeHtml([...empty].map((k) => declared.keyLabel(score, k, unit)).join(', '))}: no value for ML or NWP (no case in the data), so not shown.</p>` : '';
      parts.push(`<h4>${escapeHtml(declared.title(score))}${note}</h4><table class="metrics" data-score="${escapeHtml(score)}" data-direction="${escapeHtml(direction ?? '')}"><thead>${head}</thead><tbody>${body.join('')}</tbody></table>${emptyNote}`);
    }
  }
  if (parts.length === 0) return '<p class="note">No metrics were computed (no "evaluate" in the recipe, or no test rows).</p>';
  return `<p class="note">Bold green: the better of ML and NWP, by the direction each evaluator declares for its metric (higher, lower, or nearest an ideal value).</p>${parts.join('')}`;
}

function figures(plots: RenderedPlot[]): string {
  const groups = new Map<string, RenderedPlot[]>();
  for (const p of plots) groups.set(p.plot.group ?? '', [...(groups.get(p.plot.group ?? '') ?? []), p]);
  return [...groups.entries()]
    .map(([group, list]) => {
      const items = list.map(({ plot, markup, error }) => `<figure id="plot-${escapeHtml(plot.id)}" data-plot="${escapeHtml(plot.id)}">${markup ?? `<p class="error">Could not draw ${escapeHtml(plot.title)}: ${escapeHtml(error ?? 'unknown error')}</p>`}<figcaption>${escapeHtml(plot.caption ?? plot.title)} <span class="note">(plots/${escapeHtml(plot.id)}.svg, .png)</span></figcaption></figure>`);
      return `${group ? `<h3>${escapeHtml(group)}</h3>` : ''}${items.join('')}`;
    })
    .join('');
}

function explainSection(run: RunData, plots: RenderedPlot[], images: Record<string, string>): string {
  const declared = new Declared(run.manifest);
  if (run.explainers.length === 0) return '<p class="note">No explainers ran (no "explain" in the recipe).</p>';
  // One heading per explainer, its charts beneath it (a chart's group names its explainer: "Saliency" is saliency's).
  const own = (name: string, plot: RenderedPlot) => (plot.plot.group ?? '').toLowerCase().replace(/\s+/g, '-') === name.toLowerCase();
  const parts = [figures(plots.filter((p) => !run.explainers.some((e) => own(e.name, p))))];
  for (const e of run.explainers) {
    const mine = plots.filter((p) => own(e.name, p));
    const importanceFile = Object.keys(e.json).find((file) => declared.format(e.name, file) === 'prd-importance');
    const importance = (importanceFile ? e.json[importanceFile] : undefined) as { features?: Array<{ name: string; kind: string; mean: number; std: number }> } | undefined;
    parts.push(`<h3>${escapeHtml(mine[0]?.plot.group ?? e.name)}</h3>`, figures(mine.map((p) => ({ ...p, plot: { ...p.plot, group: undefined } }))));
    if (importance?.features) {
      const ranked = [...importance.features].sort((a, b) => b.mean - a.mean);
      parts.push(table(['rank', 'feature', 'kind', 'mean change', 'std'], ranked.map((f, i) => [String(i + 1), f.name, f.kind, { html: fmt(f.mean), cls: 'num' }, { html: fmt(f.std), cls: 'num' }])));
    }
    for (const image of e.images) parts.push(`<figure><img alt="${escapeHtml(image)}" src="${images[image]}"><figcaption>${escapeHtml(image)}</figcaption></figure>`);
    for (const [file, value] of Object.entries(e.json)) parts.push(`<details><summary>${escapeHtml(`explain/${e.name}/${file}`)}</summary>${json(value)}</details>`);
  }
  return parts.join('');
}

function manifestSection(manifest: Manifest): string {
  const plugins = table(['slot', 'kind', 'name', 'package', 'version'], manifest.plugins.map((p) => [p.slot, p.kind, p.name, p.package, p.version]));
  const steps = table(['step', 'cached', 'duration', 'summary'], manifest.steps.map((s) => [s.name, s.skipped ? `skipped: ${s.skipped}` : s.cached ? 'yes' : 'no', `${(s.durationMs / 1000).toFixed(2)} s`, s.summary ? JSON.stringify(s.summary) : '']));
  return `<section id="manifest"><h2>Manifest</h2><h3>Plugins</h3>${plugins}<h3>Steps</h3>${steps}<details><summary>manifest.json</summary>${json(manifest)}</details></section>`;
}

/** The whole report page: self-contained (inline CSS, inline SVG, PNG data URIs), no script, no network. */
export function reportHtml(run: RunData, rendered: RenderedPlot[], explainImages: Record<string, string>): string {
  const m = run.manifest;
  const bySection = (s: Section) => rendered.filter((r) => r.plot.section === s);
  const sections: string[] = [summary(run), dataSection(run)];
  sections.push(`<section id="training"><h2>Training</h2>${trainingTable(m, run.history)}${figures(bySection('training')) || '<p class="note">No history.csv.</p>'}</section>`);
  sections.push(`<section id="metrics"><h2>Metrics</h2>${metricTables(run)}${figures(bySection('metrics'))}</section>`);
  for (const s of SECTIONS.filter((x) => !['training', 'metrics', 'explain'].includes(x))) {
    const list = bySection(s);
    if (list.length) sections.push(`<section id="${s}"><h2>${SECTION_TITLES[s]}</h2>${figures(list)}</section>`);
  }
  sections.push(`<section id="explain"><h2>Explanations</h2>${explainSection(run, bySection('explain'), explainImages)}</section>`);
  sections.push(manifestSection(m));
  const ids = ['recipe', 'data', 'training', 'metrics', ...SECTIONS.filter((s) => bySection(s).length && !['training', 'metrics', 'explain'].includes(s)), 'explain', 'manifest'];
  const nav = ids.map((id) => `<a href="#${id}">${escapeHtml(id === 'recipe' ? 'Recipe' : id === 'data' ? 'Data' : id === 'manifest' ? 'Manifest' : SECTION_TITLES[id as Section])}</a>`).join('');
  const when = `${m.startedAt}${m.durationMs !== undefined ? `, ${(m.durationMs / 1000).toFixed(1)} s` : ''}`;
  const git = m.git ? `, git ${escapeHtml(m.git.commit.slice(0, 10))}${m.git.dirty ? ' (dirty)' : ''}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${m.name} - ${m.runId}`)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(m.name)}</h1><div class="meta">run ${escapeHtml(m.runId)} <span class="status ${escapeHtml(m.status)}">${escapeHtml(m.status)}</span> &middot; ${escapeHtml(when)} &middot; seed ${m.seed}${git} &middot; prd ${escapeHtml(m.runtime.prd)}, node ${escapeHtml(m.runtime.node)}</div>${m.error ? `<p class="error">${escapeHtml(m.error)}</p>` : ''}</header>
<nav>${nav}</nav><main>${sections.join('\n')}</main></body></html>
`;
}
