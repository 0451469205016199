import { describe, expect, it } from 'vitest';
import { DataEngine } from '../../data/engine.js';
import { isPrdError } from '../../errors.js';
import { fitStandardScaler } from './scale.js';

async function withEngine<T>(fn: (engine: DataEngine) => Promise<T>): Promise<T> {
  const engine = await DataEngine.open({ threads: 2 });
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

describe('fitStandardScaler', () => {
  it("fits sklearn StandardScaler's mean and population std (ddof 0), with std 1 for a constant column", async () => {
    await withEngine(async (engine) => {
      const train = { sql: `SELECT * FROM (VALUES (1.0, 5.0, 0.1), (2.0, 5.0, 0.1), (3.0, 5.0, 0.1), (4.0, 5.0, 0.1)) v(a, b, c)` };
      const { mean, std } = await fitStandardScaler(engine, train, ['a', 'b', 'c']);
      // sklearn: StandardScaler().fit([[1,5,.1],[2,5,.1],[3,5,.1],[4,5,.1]]) -> mean_ [2.5, 5, 0.1], scale_ [1.118033988749895, 1, 1].
      expect(mean[0]).toBe(2.5);
      expect(mean[1]).toBe(5);
      expect(mean[2]).toBeCloseTo(0.1, 15);
      expect(std[0]).toBeCloseTo(Math.sqrt(1.25), 14);
      // 0.1 is not exact in binary, so its variance may come out a hair above 0: still constant, as in sklearn.
      expect(std.slice(1)).toEqual([1, 1]);
    });
  });

  it('names the columns with missing values', async () => {
    await withEngine(async (engine) => {
      const train = { sql: `SELECT * FROM (VALUES (1.0, 'NaN'::DOUBLE), (NULL, 2.0)) v(a, b)` };
      try {
        await fitStandardScaler(engine, train, ['a', 'b']);
        expect.unreachable();
      } catch (error) {
        if (!isPrdError(error)) throw error;
        expect((error as { issues: Array<{ dataColumn: string }> }).issues.map((i) => i.dataColumn)).toEqual(['a', 'b']);
      }
    });
  });
});
