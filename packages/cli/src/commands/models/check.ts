import { Args } from '@oclif/core';
import { checkModel, MODEL_CONTRACT, type ModelCheck } from '@prd/core';
import { PrdCommand } from '../../base-command.js';
import { locateModel } from '../../models/locate.js';

export default class ModelsCheck extends PrdCommand {
  static override summary = 'Say whether this prd can load a model and, if it cannot, what to do. Exit 1 when it cannot.';
  static override examples = ['<%= config.bin %> models check runs/20261202-064618-quickstart-b0c9/model'];
  static override args = { model: Args.string({ description: 'A run directory, its model/ folder, or a tracker URI.', required: true }) };

  async run(): Promise<ModelCheck & { dir: string }> {
    const { args, flags } = await this.parse(ModelsCheck);
    await this.initCommand(flags);
    const dir = await locateModel(args.model, (line) => this.note(line));
    const check = checkModel(dir);
    if (!this.jsonEnabled()) {
      this.log(check.loadable ? `✓ ${dir}: model contract ${check.contract}, loadable by this prd (contract ${MODEL_CONTRACT})` : `✗ ${dir}: this prd cannot use it`);
      for (const p of check.problems) this.log(`  - ${p}`);
      for (const a of check.advice) this.log(`  → ${a}`);
    }
    if (!check.loadable) process.exitCode = 1;
    return { dir, ...check };
  }
}
