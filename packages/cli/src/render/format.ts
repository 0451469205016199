import { styleText } from 'node:util';

/** A duration as `850ms`, `12.3s` or `4m05s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A metric value with 4 significant decimals. */
export function metric(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toFixed(4);
}

/** An integer with thousands separators. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A text progress bar of `width` cells. */
export function bar(fraction: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** Colour helpers that respect NO_COLOR and non-TTY output. */
export function paint(color: 'green' | 'yellow' | 'red' | 'dim' | 'cyan' | 'bold', text: string, enabled: boolean): string {
  return enabled ? styleText(color, text) : text;
}
