import { Args } from '@oclif/core';
import { readModelContract, type ModelContract } from '@prd/core';
import { PrdCommand } from '../../base-command.js';
import { locateModel } from '../../models/locate.js';

export default class ModelsInspect extends PrdCommand {
  static override summary = "Print a model's contract: version, who wrote it, its features, bands and scaler, its lineage, its files.";
  static override description = 'Models written before contract.json existed (contract 1) are described from their MLmodel and preprocessing.json.';
  static override examples = ['<%= config.bin %> models inspect runs/20261202-064618-quickstart-b0c9', '<%= config.bin %> models inspect models:/prd-conv1d@champion --json'];
  static override args = { model: Args.string({ description: 'A run directory, its model/ folder, or a tracker URI (runs:/, models:/, azureml:).', required: true }) };

  async run(): Promise<ModelContract & { dir: string }> {
    const { args, flags } = await this.parse(ModelsInspect);
    await this.initCommand(flags);
    const dir = await locateModel(args.model, (line) => this.note(line));
    const contract = readModelContract(dir);
    if (!this.jsonEnabled()) this.log(render(dir, contract));
    return { dir, ...contract };
  }
}

function render(dir: string, c: ModelContract): string {
  const f = c.features;
  const lines = [
    `${dir}`,
    `  contract   ${c.contract}${c.contract === 1 ? ' (written before contract.json; described from MLmodel and preprocessing.json)' : ''}`,
    `  model      ${c.model.use} ${JSON.stringify(c.model.with)} (${c.model.format}${c.model.parameters !== undefined ? `, ${c.model.parameters.toLocaleString('en-US')} parameters` : ''})`,
    `  written by prd ${c.writtenBy.prd}${Object.keys(c.writtenBy.plugins).length ? `; ${Object.entries(c.writtenBy.plugins).map(([p, v]) => `${p}@${v}`).join(', ')}` : ''}`,
    `  task       ${f.task}; ${f.inputs} inputs: ${f.profile.join(', ')} at ${f.heights.length} heights (${f.heights[0]}-${f.heights.at(-1)})${f.singleLevel.length ? `; ${f.singleLevel.join(', ')}` : ''}`,
    `  bands      ${f.bands.map((b) => `[${b.lower}, ${b.upper})`).join(' ')}`,
    `  scaler     ${f.scaler}`,
  ];
  const lineage = Object.entries(c.lineage).filter(([, v]) => v !== undefined);
  if (lineage.length) lines.push(`  lineage    ${lineage.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`  files      ${Object.entries(c.files).map(([n, d]) => `${n} (${d.size} B${c.contract >= 2 ? `, sha256 ${d.sha256.slice(0, 12)}` : ''})`).join(', ')}`);
  return lines.join('\n');
}
