import { describe, expect, it } from 'vitest';
import { precipDeclared as declared } from './declared.test-helper.js';
import { cellScoreMaps, parseCellTable } from './maps.js';
import { divergingDomain, roundUp, sequentialDomain } from './scales.js';

type Colour = { scale: { domain: number[] }; title: string | string[]; legend: { values?: number[]; labelExpr?: string } };
type Panel = { layer: Array<{ encoding?: { color?: Colour } }> };

/** A per-cell FSS table at a high threshold: every score between 0 and 0.05. */
const HIGH_THRESHOLD = `aggregation,latitude,longitude,key,ml,nwp
members,50.0,-1.0,10,0.01,0.002
members,50.1875,-1.0,10,0.05,0.03
members,50.375,-1.0,10,0.03,0.0
members,50.5625,-1.0,10,0.0,0.04`;

function colours(table: string): Colour[] {
  const [plot] = cellScoreMaps('test', 'fss', parseCellTable(table), 'mm/h', declared);
  return (plot.spec as unknown as { hconcat: Panel[] }).hconcat.map((panel) => panel.layer[0].encoding!.color!);
}

describe('colour scales chosen from the data', () => {
  it('a high threshold whose FSS is all in [0, 0.05] gets a 0-0.05 colour bar, labelled at its ends, not 0-1', () => {
    const [ml, nwp, difference] = colours(HIGH_THRESHOLD);
    expect(ml.scale.domain).not.toEqual([0, 1]);
    expect(ml.scale.domain).toEqual([0, 0.05]);
    // ML and NWP share one scale, so their colours compare.
    expect(nwp.scale.domain).toEqual([0, 0.05]);
    expect(ml.legend.values).toEqual([0, 0.025, 0.05]);
    expect(ml.title).toEqual(['Fractions skill score', 'scale 0 to 0.05']);
    expect(difference.scale.domain).toEqual([-0.05, 0.05]);
  });

  it('keeps the 0-1 scale when the scores fill most of it', () => {
    const [ml] = colours(HIGH_THRESHOLD.replace('0.05,0.03', '0.9,0.7'));
    expect(ml.scale.domain).toEqual([0, 1]);
    expect(ml.title).toEqual(['Fractions skill score']);
  });

  it('ends the scale at a round number above the high quantile, so a lone outlier is drawn at the end colour', () => {
    expect(roundUp(0.043)).toBe(0.05);
    expect(roundUp(0.12)).toBe(0.2);
    expect(roundUp(0.22)).toBe(0.25);
    expect(roundUp(3)).toBe(5);
    expect(sequentialDomain([0.004, 0.003, 0.0031, null, Number.NaN])).toEqual([0, 0.005]);
    expect(sequentialDomain([0, 0, 0])).toEqual([0, 1]);
    const mostlySmall = [...Array.from({ length: 99 }, (_, i) => i / 10_000), 0.9];
    expect(sequentialDomain(mostlySmall)).toEqual([0, 0.01]);
    expect(divergingDomain([-0.02, 0.01, 0.003])).toEqual([-0.02, 0.02]);
    expect(divergingDomain([-0.8, 0.1])).toEqual([-1, 1]);
  });

  it('says on the colour bar when cells lie beyond the scale', () => {
    const [ml] = colours(`${HIGH_THRESHOLD}\n${Array.from({ length: 60 }, (_, i) => `members,51.${i},-1.0,10,0.01,0.01`).join('\n')}\nmembers,52.0,-1.0,10,0.6,0.01`);
    expect(ml.scale.domain).toEqual([0, 0.05]);
    expect(ml.legend.labelExpr).toContain('≥');
  });
});
