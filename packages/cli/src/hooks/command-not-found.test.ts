import { describe, expect, it } from 'vitest';
import { prd, workDir } from '../test/cli.js';

describe('an unknown command', () => {
  it('names the closest command and exits 2', () => {
    const result = prd(['runn', 'recipes/quickstart.json'], workDir());
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: "runn" is not a prd command; did you mean "prd run"? (list them with: prd --help)\n');
  });

  it('suggests a topic command', () => {
    const result = prd(['runs', 'comapre', 'a', 'b'], workDir());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/did you mean "prd runs compare"\?/);
  });
});
