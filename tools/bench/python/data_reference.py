"""Reference for the data benchmark: the seed's preprocessing steps in pandas, on the same merged files as prd.

Transcribed from precip_rediagnosis model_pipeline/prd_pipeline.py (seed-pipeline.md sections 3.2, 3.4, 3.6, 4.2):
  load      load_data_local: pd.concat([pd.read_csv(p) for p in Path(dir).rglob('prd_merged*csv')])
  steps     preprocess_data steps 1-3: dropna(); radar_mean_rain_instant < 50; drop rows whose lowest target band
            is 1; then random_time_space_sample (realization == 0 keys, groupby count, sample(frac), merge with
            indicator) for an 80 / 20 split
  scale     preprocess_data steps 8-9 (pipeline mode, timed apart): StandardScaler fitted on the training inputs
            (mean, population std, 0 -> 1), both splits transformed and reshaped to (rows, features, heights)
            float32 arrays, the targets to float32, as model.fit receives them
  nwp       calc_nwp_probabilities per band with groupby(['latitude','longitude','time'])[[rate]].apply(lambda),
            concatenated and merged back onto every row (section 3.4)

Usage: python data_reference.py MODE DATA_DIR REPETITIONS   (MODE: pipeline or nwp)
Prints one JSON object: {"mode", "load": [s...], "steps": [s...], "scale": [s...], "attach": [s...], "input",
"output", "peak_rss_mib"}; for nwp, steps is the groupby-apply and attach the merge back onto every row.
Needs pandas and numpy.
"""
import json
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

BANDS = {'0.0': [0, 0.01], '0.25': [0.01, 0.5], '2.5': [0.5, 4], '7.0': [4, 10], '10.0': [10, 220]}
TEMPLATE = '{source}_fraction_in_band_instant_{band_centre}'
TARGET = [TEMPLATE.format(source='radar', band_centre=k) for k in BANDS]
PROFILE = ['air_temperature', 'relative_humidity', 'wind_speed', 'wind_from_direction', 'cloud_volume_fraction_in_atmosphere_layer']


def load_data_local(data_dir):
    return pd.concat([pd.read_csv(p) for p in Path(data_dir).rglob('prd_merged*csv')])


def random_time_space_sample(df, test_fraction, random_state, sampling_columns):
    unique_time_location = df[df['realization'] == 0].groupby(sampling_columns)
    samples = unique_time_location.count().sample(frac=test_fraction, random_state=random_state).reset_index()[sampling_columns]
    labelled = pd.merge(df, samples, how='left', on=sampling_columns, indicator=True)
    test_df = labelled[labelled._merge == 'both'].drop(columns='_merge')
    train_df = labelled[labelled._merge == 'left_only'].drop(columns='_merge')
    return train_df, test_df


def preprocess_steps(input_data, test_fraction=0.2):
    data = input_data.dropna()
    data = data[data['radar_mean_rain_instant'] < 50]
    data = data[data[TARGET[0]] != 1]
    train, val = random_time_space_sample(data, test_fraction, np.random.RandomState(), ['time', 'latitude', 'longitude'])
    return train, val


def scale_to_arrays(train, val):
    """Steps 8-9: fit the scaler on the training inputs, transform both splits, reshape, float32 (section 5)."""
    columns = [c for p in PROFILE for c in train.columns if re.fullmatch(re.escape(p) + r'_[0-9.]+', c)]
    heights = len(columns) // len(PROFILE)
    x = train[columns].to_numpy(dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1
    arrays = []
    for part in (train, val):
        x = ((part[columns].to_numpy(dtype=np.float64) - mean) / std).astype(np.float32).reshape(len(part), len(PROFILE), heights)
        arrays.append((x, part[TARGET].to_numpy(dtype=np.float32)))
    return arrays


def calc_nwp_probabilities(data, lower_bound, upper_bound):
    return ((data >= lower_bound) & (data < upper_bound)).sum() / data.shape[0]


def nwp_probabilities(input_data, rate='total_precip_rate'):
    """The per-(lat, lon, time) band probabilities: the groupby-apply part of section 3.4."""
    return [
        input_data.groupby(['latitude', 'longitude', 'time'])[[rate]]
        .apply(lambda x: calc_nwp_probabilities(x, lo, hi))
        .rename(columns={rate: TEMPLATE.format(source='nwp', band_centre=k)})
        for k, [lo, hi] in BANDS.items()
    ]


def attach_probabilities(input_data, nwp_fractions):
    """The merge back onto every row: the rest of section 3.4."""
    return pd.merge(input_data, pd.concat(nwp_fractions, axis=1), left_on=['latitude', 'longitude', 'time'], right_index=True)


def main():
    mode, data_dir, repetitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
    load, steps, scale, attach = [], [], [], []
    rows_in = rows_out = 0
    for _ in range(repetitions):
        start = time.perf_counter()
        df = load_data_local(data_dir)
        loaded = time.perf_counter()
        if mode == 'pipeline':
            train, val = preprocess_steps(df)
            rows_out = len(train) + len(val)
            done = time.perf_counter()
            arrays = scale_to_arrays(train, val)
            scale.append(time.perf_counter() - done)
            del arrays, train, val
        else:
            fractions = nwp_probabilities(df)
            done = time.perf_counter()
            result = attach_probabilities(df, fractions)
            attach.append(time.perf_counter() - done)
            rows_out = len(result)
        rows_in = len(df)
        load.append(loaded - start)
        steps.append(done - loaded)
        del df
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'mode': mode, 'load': load, 'steps': steps, 'scale': scale, 'attach': attach, 'input': rows_in, 'output': rows_out, 'peak_rss_mib': peak}))


if __name__ == '__main__':
    main()
