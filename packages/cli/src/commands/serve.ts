import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { createPlugin, DataEngine, isModelUri, PrdError, resolveModel, RunEvents, secrets, spillDir, type PluginContext } from '@prd/core';
import { PrdCommand } from '../base-command.js';
import { deviceFlag, modelFlag } from '../flags.js';
import { installedPlugins } from '../plugins.js';
import { createScoringServer } from '../serve/server.js';
import { cliVersion } from '../version.js';

export default class Serve extends PrdCommand {
  static override summary = 'Serve a trained model over HTTP: POST rows to /invocations, get band fractions back.';
  static override description =
    "Speaks MLflow's scoring protocol where it fits: POST /invocations with JSON (dataframe_split, dataframe_records, instances or inputs) or CSV (text/csv with a header), answered with {\"predictions\": [{<ml column>: value}, ...]}; GET /ping and /health for liveness, /version, and /metadata for the input and output columns. Rows are standardised with the model's own preprocessing.json; a missing column or a value that is not a finite number is a 400 that names the row and column. Listens on 127.0.0.1 unless --host says otherwise: there is no authentication, so put a proxy in front before exposing it.";
  static override examples = [
    '<%= config.bin %> serve --model runs/20261128-101500-quickstart-3fa2',
    '<%= config.bin %> serve --model models:/prd-conv1d@champion --port 8080',
    'curl -s localhost:5001/invocations -H "content-type: text/csv" --data-binary @rows.csv',
  ];
  static override enableJsonFlag = false;

  static override flags = {
    model: modelFlag,
    host: Flags.string({ description: 'Address to listen on.', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'Port to listen on (0 picks a free one).', default: 5001, min: 0, max: 65535 }),
    'max-body': Flags.integer({ description: 'Largest request body accepted, in MB.', default: 64, min: 1 }),
    device: deviceFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    await this.initCommand(flags);
    const registry = await installedPlugins();
    const events = new RunEvents();
    events.on((e) => e.type === 'log' && this.note(e.level === 'warn' ? `warning: ${e.message}` : e.message));
    const tempDir = mkdtempSync(join(tmpdir(), 'prd-serve-'));
    const context: PluginContext = { seed: 0, baseDir: process.cwd(), pointer: '', events, tempDir };
    const model = await resolveModel(isModelUri(flags.model) ? flags.model : resolve(flags.model), registry, context, tempDir);
    const backend = await createPlugin(registry, 'backend', { use: 'local', with: flags.device ? { device: flags.device } : {} }, '/compute', context);
    const engine = await DataEngine.open({ tempDir: spillDir(tempDir), memoryLimit: '256MB', threads: 1 });
    const server = createScoringServer({ model, backend, engine, tempDir, maxBodyBytes: flags['max-body'] * 1024 * 1024, version: cliVersion(), onRequest: (line) => this.note(line) });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PrdError(`port ${flags.port} on ${flags.host} is in use; pick another with --port`) : error),
      );
      server.listen(flags.port, flags.host, () => resolveListen());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : flags.port;
    this.note(secrets.redact(`serving ${flags.model} (${model.preprocessing.task}, ${model.features.heights.length} heights) at http://${flags.host}:${port}/invocations  (Ctrl-C to stop)`));
    await new Promise<void>((resolveStop) => {
      const stop = () => {
        server.close(() => resolveStop());
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}
