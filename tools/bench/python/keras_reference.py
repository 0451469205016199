"""Keras reference for prd's training benchmark: the seed's profile-only model on the same tensor file.

Usage: keras_reference.py <tensor-file> <rows> <repetitions> <batch-size>

Reads prd's tensor file (raw float32 rows of heights x features profile values then the band targets, described
by <tensor-file>.json), builds the seed's network exactly as `prd_pipeline.build_model` does (ZeroPadding1D(1) +
Conv1D(32, 3, valid, relu, no bias) x 3 with the residual add, Flatten, Dense(heights x features, relu, no bias),
Dense(bands, softmax)), compiles it with Adam(0.001) and KLDivergence like `train_model`, and times one epoch of
`model.fit` over the first <rows> rows per repetition, after a short warm-up fit. Prints one JSON line.
Benchmark infrastructure only: prd never needs Python.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def load(path, rows):
    with open(path + ".json") as f:
        header = json.load(f)
    h, p, s, o = header["heights"], header["profileFeatures"], header["singleLevel"], header["outputs"]
    width = h * p + s + o
    data = np.fromfile(path, dtype=np.float32, count=rows * width).reshape(rows, width)
    return data[:, : h * p].reshape(rows, h, p), data[:, h * p + s :], header


def build(heights, features, bands):
    layers = tf.keras.layers
    profile_input = layers.Input((heights, features), name="profile_input")
    out = layers.ZeroPadding1D(1)(profile_input)
    out = layers.Conv1D(32, 3, strides=1, activation="relu", use_bias=False, kernel_initializer="glorot_uniform")(out)
    ident = out
    out = layers.ZeroPadding1D(1)(out)
    out = layers.Conv1D(32, 3, strides=1, activation="relu", use_bias=False)(out)
    out = layers.ZeroPadding1D(1)(out)
    out = layers.Conv1D(32, 3, strides=1, activation="relu", use_bias=False)(out)
    x = layers.Add()([out, ident])
    out = layers.Flatten()(x)
    out = layers.Dense(heights * features, use_bias=False, activation="relu")(out)
    main_output = layers.Dense(bands, activation="softmax", name="main_output")(out)
    return tf.keras.Model([profile_input], [main_output])


def main():
    path, rows, repetitions, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # KERAS_THREADS=1 gives a one-core comparison (prd's wasm training runs on one thread); default: all cores.
    threads = int(os.environ.get("KERAS_THREADS", "0"))
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    x, y, header = load(path, rows)
    tf.keras.utils.set_random_seed(42)
    model = build(header["heights"], header["profileFeatures"], header["outputs"])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001), loss=tf.keras.losses.KLDivergence(), metrics=["accuracy"])
    warm = min(rows, batch * 20)
    model.fit(x[:warm], y[:warm], batch_size=batch, epochs=1, verbose=0)
    rates, cpu_rates, losses = [], [], []
    for _ in range(repetitions):
        start, cpu_start = time.perf_counter(), time.process_time()
        history = model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)
        rates.append(rows / (time.perf_counter() - start))
        # Samples per CPU-second of the whole process (all threads): robust to a machine shared with other jobs.
        cpu_rates.append(rows / (time.process_time() - cpu_start))
        losses.append(float(history.history["loss"][-1]))
    print(json.dumps({
        "samples_per_second": rates,
        "cpu_samples_per_second": cpu_rates,
        "loss": losses,
        "parameters": int(model.count_params()),
        "tensorflow": tf.__version__,
        "keras": tf.keras.__version__ if hasattr(tf.keras, "__version__") else "",
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
