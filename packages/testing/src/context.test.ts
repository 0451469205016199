import { describe, expect, it } from 'vitest';
import { pluginContext, tableContext, withEngine } from './context.js';
import { startTestServer } from './http-server.js';

describe('testing helpers', () => {
  it('collect the events a plugin emits', () => {
    const ctx = pluginContext();
    ctx.events.log('hello');
    expect(ctx.received).toEqual([{ type: 'log', level: 'info', message: 'hello' }]);
  });

  it('resolve features against a relation for table contexts', async () => {
    await withEngine(async (engine) => {
      const sql = `SELECT 1 AS "t_5.0", 2 AS "t_10.0", 0.5 AS rate`;
      const ctx = await tableContext(engine, sql, { profile: ['t'], target: { column: 'rate' }, metadata: [] });
      expect(ctx.features.heights).toEqual([5, 10]);
      expect(ctx.columns.map((c) => c.name)).toEqual(['t_5.0', 't_10.0', 'rate']);
    });
  });

  it('serve and record HTTP requests', async () => {
    const server = await startTestServer((req) => ({ status: 201, body: { echo: req.body.toString() } }));
    const res = await fetch(`${server.url}/x`, { method: 'POST', body: 'hi' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ echo: 'hi' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /x']);
    await server.close();
  });
});
