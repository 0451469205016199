import type { BenchRow } from './suite.js';

function fmt(value: number | undefined, unit = ''): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  // Small values (score differences) keep four decimals: their third digit is what they are read for.
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 0.1 || value === 0 ? 2 : 4;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit ? ` ${unit}` : ''}`;
}

// A `|` in a cell (an absolute difference, |a - b|) would end it.
const cell = (text: string) => text.replaceAll('|', '\\|');

/** The results as a Markdown table: measurement, prd, reference, ratio (> 1 means prd is better), peak memory. */
export function markdownTable(rows: BenchRow[]): string {
  const header = '| suite | measurement | prd | reference | ratio (prd better if > 1) | peak memory prd / reference |';
  const rule = '|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const reference = r.reference ? `${fmt(r.reference.value, r.unit)} (${r.reference.name})` : '–';
    const ratio = r.ratio === undefined ? '–' : `${fmt(r.ratio)}x`;
    const memory = r.peakMemoryMiB === undefined ? '–' : `${fmt(r.peakMemoryMiB)} / ${fmt(r.referencePeakMemoryMiB)} MiB`;
    return `| ${cell(r.suite)} | ${cell(`${r.name}${r.note ? ` (${r.note})` : ''}`)} | ${fmt(r.value, r.unit)} | ${cell(reference)} | ${ratio} | ${memory} |`;
  });
  return [header, rule, ...lines].join('\n');
}
