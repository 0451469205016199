import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ident, literal, type DataEngine, type Relation } from '../../data/engine.js';
import type { ResolvedFeatures } from '../../data/features.js';
import { writeTensorFile } from '../../data/tensor-export.js';
import { PrdError } from '../../errors.js';
import type { Domain, SourceData } from '../../plugin/contract.js';
import { closest } from '../../suggest.js';
import type { PreparedData } from '../context.js';
import type { RunEvents } from '../events.js';
import { inputColumns, type Preprocessing } from '../preprocessing.js';
import { ensembleKeys } from './prepare.js';
import { layoutOf, type ScaleSummary } from './scale.js';

function baselineInputs(features: ResolvedFeatures): string[] {
  const b = features.baseline;
  return b.kind === 'columns' ? b.columns : b.kind === 'ensemble-rate' ? [b.rateColumn] : [];
}

/**
 * The transform step for a given model (`prd evaluate`, `prd predict`): as the seed's `preprocess_test_data`, no
 * training filters; the model's own features. The data must have every input (and, with `requireTruth`, the truth
 * and NWP columns the model was scored against); NWP band probabilities are derived where the data has the rate.
 */
export async function givenModelData(engine: DataEngine, events: RunEvents, source: SourceData, features: ResolvedFeatures, requireTruth: boolean, domain: Domain): Promise<PreparedData> {
  let relation: Relation = source.relation;
  const names = new Set((await engine.columns(relation)).map((c) => c.name));
  const truthColumns = features.targetSources.flat();
  const needed = [...features.metadata, ...inputColumns(features), ...(requireTruth ? [...truthColumns, ...baselineInputs(features)] : [])];
  const missing = [...new Set(needed)].filter((c) => !names.has(c));
  if (missing.length > 0) {
    throw new PrdError(
      `the data lacks ${missing.length} column${missing.length > 1 ? 's' : ''} the model needs (${source.description})`,
      missing.slice(0, 20).map((c) => ({ dataColumn: c, message: `no column "${c}"`, suggestion: closest(c, [...names]) })),
    );
  }
  if (!truthColumns.every((c) => names.has(c))) events.log('the data has no radar truth columns; writing predictions without them', 'warn');
  const baseline = features.baseline;
  if (baseline.kind === 'ensemble-rate' && names.has(baseline.rateColumn)) {
    // The data domain derives the probabilities; models saved before preprocessing.json named the member column use the domain's.
    const member = features.member ?? domain.defaults.member;
    relation = domain.ensembleProbabilities(relation, baseline.rateColumn, features.bands, features.prefixes.nwp, ensembleKeys({ ...features, member }));
  }
  return { sql: relation.sql, features, fingerprint: source.fingerprint, description: source.description, files: source.files };
}

/** What {@link writeGivenModelTensors} wrote besides the scale step's summary. */
export interface GivenModelTensors extends ScaleSummary {
  /** Rows left out because an input value was missing. */
  dropped: number;
  hasTruth: boolean;
  nwpColumns: string[];
}

/**
 * The scale step for a given model: standardise with the model's own scaler and write every complete row as the
 * test split (`test.f32`, `test.meta.parquet`, `preprocessing.json`, as the scale step of a run writes them). Rows
 * missing an input value cannot be predicted: they are left out and counted.
 */
export async function writeGivenModelTensors(engine: DataEngine, events: RunEvents, data: PreparedData, preprocessing: Preprocessing, outDir: string): Promise<GivenModelTensors> {
  const { features } = data;
  const names = new Set((await engine.columns({ sql: data.sql })).map((c) => c.name));
  const inputs = inputColumns(features);
  const truthColumns = features.targetSources.flat();
  const hasTruth = truthColumns.every((c) => names.has(c));
  const baseline = features.baseline;
  const nwpColumns = baseline.kind !== 'none' && baseline.columns.every((c) => names.has(c)) ? baseline.columns : [];
  // isfinite is NULL for NULL and false for NaN and ±inf: a row with an infinite input is left out and counted, never scored.
  const complete = inputs.map((c) => `isfinite(${ident(c)}::DOUBLE)`).join(' AND ');
  const keep = [...new Set([...features.metadata, ...inputs, ...(hasTruth ? truthColumns : []), ...nwpColumns])].map(ident);
  const rowsFile = join(outDir, 'rows.parquet');
  const all = await engine.count({ sql: data.sql });
  await engine.toParquet({ sql: `SELECT ${keep.join(', ')} FROM (${data.sql}) WHERE ${complete} ORDER BY ${features.metadata.map(ident).join(', ')}` }, rowsFile);
  const rows: Relation = { sql: `SELECT *, file_row_number AS __row FROM read_parquet(${literal(rowsFile)}, file_row_number = true)` };
  const kept = await engine.count(rows);
  if (kept === 0) throw new PrdError(`none of the ${all} rows of ${data.description} has every input the model needs`);
  if (kept < all) events.log(`${all - kept} of ${all} rows miss an input value (NULL, NaN or infinite) and are left out`, 'warn');

  const { mean, std } = preprocessing.scaler;
  const truthExprs = features.targetSources.map((sources) => sources.map(ident).join(' + '));
  const tensorColumns = [
    ...inputs.map((c, i) => ({ expr: `(${ident(c)} - ${mean[i]}) / ${std[i]}` })),
    // The tensor layout has room for targets; the model never reads them, so rows without truth carry zeros.
    ...features.targetColumns.map((_, i) => ({ expr: hasTruth ? truthExprs[i] : '0' })),
  ];
  const layout = layoutOf(features);
  await writeTensorFile(engine, rows, tensorColumns, layout, join(outDir, 'test.f32'), '__row');
  const truth = features.targetColumns.map((c, i) => `${truthExprs[i]} AS ${ident(c)}`);
  const metaColumns = [...features.metadata.map(ident), ...(hasTruth ? truth : []), ...nwpColumns.map(ident)];
  await engine.run(`COPY (SELECT ${metaColumns.join(', ')} FROM (${rows.sql}) ORDER BY __row) TO ${literal(join(outDir, 'test.meta.parquet'))} (FORMAT parquet)`);
  writeFileSync(join(outDir, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
  return { rows: { train: 0, validation: 0, test: kept }, layout, task: features.task, dropped: all - kept, hasTruth, nwpColumns };
}
