import { describe, expect, it } from 'vitest';
import { precipDeclared as declared } from './declared.test-helper.js';
import { cellScoreMaps, parseCellTable } from './maps.js';


// D4 (issue 15): per-cell FSS is 0/0 where neither radar nor forecast has rain above the threshold. The seed filled
// those cells with 0 (§8.5); prd draws them in grey, says so in the legend, and keeps white for cells with no data.

type Layer = { data: { values: Array<Record<string, unknown>> }; encoding?: Record<string, { scale?: { domain?: unknown[]; range?: unknown[] }; legend?: unknown }> };
type Panel = { layer: Layer[] };

const TABLE = `aggregation,latitude,longitude,key,ml,nwp
members,50.0,-1.0,0.5,0.8,0.6
members,50.1875,-1.0,0.5,,
members,50.375,-1.0,0.5,0.4,`;

function panels(score: string): Panel[] {
  const [plot] = cellScoreMaps('test', score, parseCellTable(TABLE), 'mm/h', declared);
  return (plot.spec as unknown as { hconcat: Panel[] }).hconcat;
}

describe('per-cell score maps (D4)', () => {
  it('draws cells with an undefined score in grey, never as 0, and the legend says what grey and white mean', () => {
    const [ml, nwp, diff] = panels('fss');
    for (const panel of [ml, nwp, diff]) {
      const scored = panel.layer[0].data.values.map((v) => v.value);
      expect(scored).not.toContain(0);
      const undefinedLayer = panel.layer.find((l) => l.encoding?.fill);
      expect(undefinedLayer, 'a layer of undefined cells').toBeDefined();
      const fill = undefinedLayer!.encoding!.fill!;
      expect(fill.scale!.domain).toEqual(['FSS undefined (0/0, no rain)', 'no data']);
      expect(fill.scale!.range).toEqual(['#bdbdbd', '#ffffff']);
    }
    // ML is undefined in the middle cell only; NWP in the two upper cells; the difference wherever either is.
    expect(ml.layer.find((l) => l.encoding?.fill)!.data.values.map((v) => v.latitude)).toEqual([50.1875]);
    expect(nwp.layer.find((l) => l.encoding?.fill)!.data.values.map((v) => v.latitude)).toEqual([50.1875, 50.375]);
    expect(diff.layer.find((l) => l.encoding?.fill)!.data.values.map((v) => v.latitude)).toEqual([50.1875, 50.375]);
  });

  it('names the frequency-bias rule in the legend: undefined where radar has no rain in the band', () => {
    const [plot] = cellScoreMaps('test', 'frequency_bias', parseCellTable(TABLE), 'mm/h', declared);
    expect(plot.caption).toContain('White: no data');
    const [ml] = panels('frequency_bias');
    const fill = ml.layer.find((l) => l.encoding?.fill)!.encoding!.fill!;
    expect(fill.scale!.domain).toEqual(['bias undefined (no radar rain)', 'no data']);
  });
});
