"""Print MLflow's record of one run as JSON, read with MLflow's own Python client (mlflow.MlflowClient).

Usage: python mlflow_record.py <tracking_uri> <run_id> [<registered_model> [<alias>]]
Test infrastructure for @prd/tracker-mlflow: it shows what any MLflow user would see of a run prd logged.
"""

import json
import math
import sys

from mlflow import MlflowClient


def number(value):
    # JSON has no NaN or Infinity: spell them like MLflow's REST API does.
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def artifacts(client, run_id, path=None):
    out = []
    for item in client.list_artifacts(run_id, path):
        if item.is_dir:
            out.extend(artifacts(client, run_id, item.path))
        else:
            out.append({"path": item.path, "size": item.file_size})
    return out


def main():
    uri, run_id = sys.argv[1], sys.argv[2]
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    history = {}
    for key in sorted(run.data.metrics):
        points = client.get_metric_history(run_id, key)
        history[key] = [{"step": p.step, "timestamp": p.timestamp, "value": number(p.value)} for p in points]
    record = {
        "experiment": experiment.name,
        "info": {
            "run_id": run.info.run_id,
            "run_name": run.info.run_name,
            "status": run.info.status,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
            "artifact_uri": run.info.artifact_uri,
        },
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
        "metrics": history,
        "artifacts": sorted(artifacts(client, run_id), key=lambda a: a["path"]),
        "versions": [],
    }
    for found in client.search_model_versions(f"run_id = '{run_id}'"):
        # Search results leave out aliases; a get has them.
        version = client.get_model_version(found.name, found.version)
        record["versions"].append(
            {"name": version.name, "version": version.version, "source": version.source, "status": version.status, "aliases": list(version.aliases)}
        )
    if len(sys.argv) > 4:
        by_alias = client.get_model_version_by_alias(sys.argv[3], sys.argv[4])
        record["alias"] = {"name": by_alias.name, "version": by_alias.version, "run_id": by_alias.run_id}
    if len(sys.argv) > 3:
        # What a Python user gets for the registered model: the files of its model directory.
        import mlflow.artifacts
        import os
        import tempfile

        target = f"models:/{sys.argv[3]}@{sys.argv[4]}" if len(sys.argv) > 4 else f"runs:/{run_id}/model"
        with tempfile.TemporaryDirectory() as tmp:
            local = mlflow.artifacts.download_artifacts(artifact_uri=target, dst_path=tmp, tracking_uri=uri)
            record["downloaded"] = sorted(
                os.path.relpath(os.path.join(root, f), local) for root, _, files in os.walk(local) for f in files
            )
    json.dump(record, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
