import { describe, expect, it } from 'vitest';
import { PrdError, formatIssue, formatPrdError, isPrdError } from './errors.js';

describe('user-facing errors', () => {
  it('locate recipe problems by file, line, column and pointer, with the suggestion', () => {
    expect(formatIssue({ file: 'r.json', line: 3, column: 5, pointer: '/train/epoch', message: 'unknown key "epoch"', suggestion: 'epochs' })).toBe(
      'r.json:3:5: /train/epoch: unknown key "epoch"; did you mean "epochs"?',
    );
    expect(formatIssue({ origin: '--set train.epochs=x', pointer: '/train/epochs', message: 'expected integer' })).toBe('--set train.epochs=x: /train/epochs: expected integer');
  });

  it('locate bad data by file, row and column', () => {
    expect(formatIssue({ file: 'data/a.csv', row: 17, dataColumn: 'air_temperature_5.0', message: 'not a number: "warm"' })).toBe(
      'data/a.csv, row 17, column "air_temperature_5.0": not a number: "warm"',
    );
  });

  it('render one summary line and one line per issue, and are recognised across module copies', () => {
    const error = new PrdError('2 problems', [{ message: 'a' }, { pointer: '', message: 'b' }]);
    expect(formatPrdError(error)).toBe('error: 2 problems\n  - a\n  - /: b');
    expect(formatPrdError(PrdError.of({ file: 'x.json', message: 'recipe file not found' }))).toBe('error: x.json: recipe file not found');
    expect(error.exitCode).toBe(2);
    const lookalike = Object.assign(new Error('m'), { name: 'PrdError', issues: [] });
    expect(isPrdError(lookalike)).toBe(true);
    expect(isPrdError(new Error('m'))).toBe(false);
  });
});
