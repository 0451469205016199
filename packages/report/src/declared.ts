import type { Band, Manifest, MetricDeclaration } from '@prd/core';

/**
 * What a run's evaluators and explainers declared they produce (recorded in manifest.json's plugin rows): labels and
 * directions of metrics, formats of files. The report reads these instead of knowing plugins or file names; a metric
 * nobody declared is still shown, with its own name and no "better" mark.
 */
export class Declared {
  private readonly metrics = new Map<string, MetricDeclaration>();
  private readonly formats = new Map<string, string>();

  /** `bands`: the run's intensity bands, so a band key reads as its range (`4-10 mm/h`) wherever it is shown. */
  constructor(manifest: Pick<Manifest, 'plugins'> | undefined, private readonly bands: readonly Band[] = []) {
    for (const plugin of manifest?.plugins ?? []) {
      for (const [name, declaration] of Object.entries(plugin.outputs?.metrics ?? {})) this.metrics.set(name, declaration);
      for (const file of plugin.outputs?.files ?? []) if (file.format) this.formats.set(`${plugin.name}/${file.path}`, file.format);
    }
  }

  /** The declaration of a metric: its own, or that of the longest declared name it extends with `_<suffix>`. */
  metric(name: string): MetricDeclaration | undefined {
    const exact = this.metrics.get(name);
    if (exact) return exact;
    let best: string | undefined;
    for (const declared of this.metrics.keys()) {
      if (name.startsWith(`${declared}_`) && (best === undefined || declared.length > best.length)) best = declared;
    }
    return best === undefined ? undefined : this.metrics.get(best);
  }

  /** A metric's label, or its name made readable. */
  title(name: string): string {
    return this.metric(name)?.label ?? name.replace(/_/g, ' ');
  }

  /** How far a value is from the best, by the metric's direction (smaller is better); undefined when undeclared. */
  distance(name: string, value: number | null): number | undefined {
    const d = this.metric(name);
    if (!d) return undefined;
    if (value === null) return Infinity;
    if (d.direction === 'higher') return -value;
    if (d.direction === 'lower') return value;
    const ideal = d.ideal ?? 0;
    return d.ratio ? (value > 0 && ideal > 0 ? Math.abs(Math.log(value / ideal)) : Infinity) : Math.abs(value - ideal);
  }

  /** Which of ML and NWP is better for this metric, if it declares a direction and they differ. */
  better(name: string, ml: number | null, nwp: number | null): 'ml' | 'nwp' | undefined {
    if (ml === null || nwp === null) return undefined;
    const [m, n] = [this.distance(name, ml), this.distance(name, nwp)];
    if (m === undefined || n === undefined || m === n) return undefined;
    return m < n ? 'ml' : 'nwp';
  }

  /**
   * Label of a key under a metric, the same in tables, charts and maps: `> 4 mm/h` for thresholds, the band's range
   * (`4-10 mm/h`, `> 220 mm/h` for an open band) for band keys, the key itself otherwise.
   */
  keyLabel(name: string, key: string, unit = '', bands: readonly Band[] = this.bands): string {
    const keys = this.metric(name)?.keys;
    const suffix = unit ? ` ${unit}` : '';
    if (keys === 'thresholds') return `> ${key}${suffix}`;
    if (keys !== 'bands') return key;
    const band = bands.find((b) => b.key === key);
    if (!band) return `band ${key}`;
    return Number.isFinite(band.upper) && band.upper < 1e6 ? `${band.lower}-${band.upper}${suffix}` : `> ${band.lower}${suffix}`;
  }

  /** The declared format of a file an explainer or evaluator wrote (`prd-importance`), if any. */
  format(plugin: string, file: string): string | undefined {
    return this.formats.get(`${plugin}/${file}`);
  }
}
