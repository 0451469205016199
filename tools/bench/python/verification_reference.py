"""Reference for the verification benchmark: the seed's FSS code (numpy / pandas), on a prd predictions.csv.

Transcribed from precip_rediagnosis model_pipeline/prd_pipeline.py (calculate_p_exceedance, fss) and the
evaluation notebooks (seed-pipeline.md sections 3.5 and 8.2): exceedance = 1 - cumulative sum of band fractions,
negatives set to 0; FSS = 1 - sum((fx - obs)^2) / (sum(fx^2) + sum(obs^2)). Aggregations as prd names them:
members (every row), ensemble_mean (the predictions averaged per time and cell; the seed's calculate_metric
averaged the inputs instead, a bug prd fixes), control (realization 0).

Usage: python verification_reference.py PREDICTIONS_CSV BANDS_JSON REPETITIONS
Prints one JSON object: {"load": [s...], "score": [s...], "fss": {aggregation: {threshold: {"ml": x, "nwp": y}}},
"peak_rss_mib": m}; load = pd.read_csv, score = exceedances, the three aggregations and FSS.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd


def calculate_p_exceedance(df, data_source, band_keys, template):
    data_bands = [template.format(source=data_source, band_centre=k) for k in band_keys]
    names = [b + '_exceedence' for b in data_bands]
    df[names] = 1 - df[data_bands].cumsum(axis=1)
    return df


def fss(obs, fx):
    fbs = ((fx - obs) ** 2).sum()
    fbs_ref = (fx ** 2).sum() + (obs ** 2).sum()
    return 1 - fbs / fbs_ref


def score(df, band_keys, uppers, template):
    for source in ['radar', 'mogrepsg', 'ml']:
        df = calculate_p_exceedance(df, source, band_keys, template)
    out = {}
    for key, upper in zip(band_keys, uppers):
        obs = df[template.format(source='radar', band_centre=key) + '_exceedence'].copy()
        obs[obs < 0] = 0
        leaf = {}
        for side, source in [('ml', 'ml'), ('nwp', 'mogrepsg')]:
            fx = df[template.format(source=source, band_centre=key) + '_exceedence'].copy()
            fx[fx < 0] = 0
            with np.errstate(invalid='ignore', divide='ignore'):
                value = fss(obs, fx)
            leaf[side] = None if not np.isfinite(value) else float(value)
        out[format_threshold(upper)] = leaf
    return out


def format_threshold(upper):
    # prd keys thresholds as JavaScript prints the number: 4 -> "4", 0.5 -> "0.5".
    return str(int(upper)) if float(upper).is_integer() else repr(float(upper))


def run(df, band_keys, uppers):
    template = '{source}_fraction_in_band_instant_{band_centre}'
    value_columns = [template.format(source=s, band_centre=k) for s in ['radar', 'mogrepsg', 'ml'] for k in band_keys]
    results = {'members': score(df.copy(), band_keys, uppers, template)}
    mean = df.groupby(['time', 'latitude', 'longitude'])[value_columns].mean().reset_index()
    results['ensemble_mean'] = score(mean, band_keys, uppers, template)
    results['control'] = score(df[df['realization'] == 0].copy(), band_keys, uppers, template)
    return results


def main():
    path, bands_json, repetitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bands = json.loads(bands_json)
    band_keys = [b['key'] for b in bands]
    uppers = [b['upper'] for b in bands]
    load, scoring = [], []
    results = None
    for _ in range(repetitions):
        start = time.perf_counter()
        df = pd.read_csv(path)
        loaded = time.perf_counter()
        results = run(df, band_keys, uppers)
        load.append(loaded - start)
        scoring.append(time.perf_counter() - loaded)
        del df
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'load': load, 'score': scoring, 'fss': results, 'peak_rss_mib': peak}))


if __name__ == '__main__':
    main()
