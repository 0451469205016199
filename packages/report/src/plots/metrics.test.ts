import { describe, expect, it } from 'vitest';
import { precipDeclared as declared } from './declared.test-helper.js';
import { metricBars } from './metrics.js';


// D5 (issue 15): frequency-bias bars are the ratio itself (maps show log10); the axis must say so.
describe('frequency-bias bars (D5)', () => {
  it('plot the ratio forecast / radar, with the axis saying 1 = unbiased and a dashed line at 1', () => {
    const [plot] = metricBars('test', { frequency_bias: { '0.0': { ml: 1.2, nwp: 0.5 } } }, [{ key: '0.0', lower: 0, upper: 0.01 }], 'mm/h', declared);
    const spec = plot.spec as unknown as { layer: Array<{ encoding: { y: { title?: string; datum?: number } } }> };
    expect(spec.layer[0].encoding.y.title).toBe('Frequency bias (forecast / radar, 1 = unbiased)');
    expect(spec.layer.some((l) => l.encoding.y.datum === 1)).toBe(true);
  });
});
