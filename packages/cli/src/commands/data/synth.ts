import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { DataEngine, PrdError } from '@prd/core';
import { syntheticRowCount, SYNTHETIC_MAX_CELLS, writeSyntheticFiles, type SyntheticFileOptions, type WrittenFile } from '@prd/precip';
import { PrdCommand } from '../../base-command.js';
import { count, duration } from '../../render/format.js';

/** What `prd data synth --json` prints. */
export interface SynthResult {
  out: string;
  files: Array<WrittenFile & { bytes: number }>;
  rows: number;
  seconds: number;
}

export default class DataSynth extends PrdCommand {
  static override summary = "Write a synthetic dataset in the seed's merged-CSV layout: <out>/<event>/prd_merged_<START>_<END>.csv.";
  static override description =
    'NWP ensemble profiles (33 heights x 6 variables), single-level fields, NWP band probabilities and radar band fractions, 233 columns, one file per event. The radar truth follows the profiles and the NWP bands are biased, so a model can beat NWP. The defaults match the size of the seed\'s events (13 six-hourly times x 1,484 cells x 18 members = 347,256 rows per event). Deterministic for a seed.';
  static override examples = [
    '<%= config.bin %> data synth --out data/synthetic',
    '<%= config.bin %> data synth --out data/small --events 2 --times 4 --cells 300',
    '<%= config.bin %> data synth --out data/named --event-names storm_a,storm_b --seed 7',
  ];
  static override flags = {
    out: Flags.directory({ description: 'Directory to write the event directories into.', required: true }),
    events: Flags.integer({ description: 'Number of events.', default: 2, min: 1, max: 100 }),
    'event-names': Flags.string({ description: 'Comma-separated event names (instead of --events).' }),
    times: Flags.integer({ description: 'Validity times per event, 6 hours apart.', default: 13, min: 1, max: 400 }),
    cells: Flags.integer({ description: `Grid cells per time (at most ${SYNTHETIC_MAX_CELLS}).`, default: 1484, min: 1, max: SYNTHETIC_MAX_CELLS }),
    members: Flags.integer({ description: 'Ensemble members per cell.', default: 18, min: 1, max: 35 }),
    seed: Flags.integer({ description: 'Seed of the generator.', default: 1 }),
    'radar-first': Flags.boolean({ description: 'Write the radar columns first, as the seed\'s radar-first event configs do.' }),
    'midnight-as-date': Flags.boolean({ description: 'Write midnight times as YYYY-MM-DD, as some of the seed\'s files do.' }),
  };

  async run(): Promise<SynthResult> {
    const { flags } = await this.parse(DataSynth);
    await this.initCommand(flags);
    let events: number | string[] = flags.events;
    if (flags['event-names'] !== undefined) {
      const names = flags['event-names'].split(',').map((n) => n.trim()).filter(Boolean);
      const bad = names.find((n) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n));
      if (names.length === 0 || bad !== undefined) {
        throw PrdError.of({ origin: '--event-names', message: `event names must be letters, digits, ".", "_" or "-" (not starting with a punctuation mark)${bad ? `; "${bad}" is not` : ''}` });
      }
      if (new Set(names).size !== names.length) throw PrdError.of({ origin: '--event-names', message: 'event names must differ' });
      events = names;
    }
    const out = resolve(flags.out);
    const options: SyntheticFileOptions = {
      seed: flags.seed,
      events,
      times: flags.times,
      cells: flags.cells,
      members: flags.members,
      columnOrder: flags['radar-first'] ? 'radar-first' : 'model-first',
      dateOnlyMidnight: flags['midnight-as-date'],
    };
    const total = syntheticRowCount(options);
    const started = Date.now();
    const files: SynthResult['files'] = [];
    if (!this.jsonEnabled()) this.note(`writing ${count(total)} rows to ${out}`);
    const engine = await DataEngine.open({ memoryLimit: process.env.PRD_MEMORY_LIMIT ?? '1GB' });
    try {
      await writeSyntheticFiles(engine, {
        ...options,
        onFile: (file) => {
          const bytes = statSync(file.path).size;
          files.push({ ...file, bytes });
          if (!this.jsonEnabled()) this.note(`  ${file.path}  ${count(file.rows)} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB  (${duration(Date.now() - started)})`);
        },
      }, out);
    } finally {
      engine.close();
    }
    const seconds = (Date.now() - started) / 1000;
    if (!this.jsonEnabled()) this.log(`wrote ${files.length} file${files.length > 1 ? 's' : ''}, ${count(total)} rows in ${duration(seconds * 1000)}`);
    return { out, files, rows: total, seconds };
  }
}
