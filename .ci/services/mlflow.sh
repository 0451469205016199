# shellcheck shell=bash
# MLflow tracking server for the integration tests of plugins/tracker-mlflow.
# Sourced by .ci/run (set -euo pipefail): installs MLflow from PyPI into a gitignored venv in the repo, starts
# `mlflow server` on 127.0.0.1 with a SQLite store and proxied artifacts, waits for /health, and exports
#   MLFLOW_TEST_URI     the server, e.g. http://127.0.0.1:5123
#   MLFLOW_TEST_BIN     the venv's `mlflow` (tests start their own servers with it)
#   MLFLOW_TEST_PYTHON  the venv's python (tests read MLflow back with mlflow.MlflowClient)
# Idempotent: a second source reuses the venv and a healthy server. Needs no stdin; the server's output goes to a
# log file, so nothing it holds open keeps CI waiting, and it is stopped when the sourcing shell exits.
# Python is test infrastructure only; prd never depends on it.

__mlflow_version=3.17.2
__mlflow_root="$PWD/.venv/mlflow"
__mlflow_state="$__mlflow_root/server"

__mlflow_start() {
  local py
  py=$(command -v python3 || true)
  if [ -z "$py" ]; then
    echo "mlflow.sh: python3 is missing; install it (apt-get install -y python3 python3-venv)" >&2
    return 1
  fi
  if ! "$__mlflow_root/bin/python" -c "import mlflow, sys; sys.exit(mlflow.__version__ != '$__mlflow_version')" 2>/dev/null; then
    echo "::: installing mlflow==$__mlflow_version into $__mlflow_root"
    rm -rf "$__mlflow_root"
    "$py" -m venv "$__mlflow_root" </dev/null || return 1
    "$__mlflow_root/bin/pip" install --quiet --disable-pip-version-check --no-input "mlflow==$__mlflow_version" </dev/null || return 1
  fi
  mkdir -p "$__mlflow_state"

  # Reuse a server this script started earlier, if it still answers.
  if [ -f "$__mlflow_state/port" ] && [ -f "$__mlflow_state/pid" ] && kill -0 "$(cat "$__mlflow_state/pid")" 2>/dev/null; then
    local old_port
    old_port=$(cat "$__mlflow_state/port")
    if curl -fsS --max-time 2 "http://127.0.0.1:$old_port/health" >/dev/null 2>&1; then
      MLFLOW_TEST_URI="http://127.0.0.1:$old_port"
      echo "::: mlflow $(curl -fsS --max-time 2 "$MLFLOW_TEST_URI/version") already serving at $MLFLOW_TEST_URI"
      return 0
    fi
    kill -- "-$(cat "$__mlflow_state/pid")" 2>/dev/null || true
  fi

  local port
  port=$("$__mlflow_root/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  rm -rf "$__mlflow_state/mlflow.db" "$__mlflow_state/artifacts"
  # setsid: the server and its workers form one process group, stopped together.
  # The inner shell writes its own pid (the group id), whether or not setsid had to fork.
  rm -f "$__mlflow_state/pid"
  # Job execution (GenAI scorers, a dozen huey workers) is not needed by prd's tests.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid bash -c 'echo $$ >"$1/pid"; shift; exec "$@"' _ "$__mlflow_state" \
    "$__mlflow_root/bin/mlflow" server --host 127.0.0.1 --port "$port" --workers 2 \
    --backend-store-uri "sqlite:///$__mlflow_state/mlflow.db" \
    --artifacts-destination "$__mlflow_state/artifacts" --serve-artifacts \
    </dev/null >"$__mlflow_state/server.log" 2>&1 &
  echo "$port" >"$__mlflow_state/port"
  local i
  for i in $(seq 1 40); do [ -s "$__mlflow_state/pid" ] && break; sleep 0.05; done
  MLFLOW_TEST_URI="http://127.0.0.1:$port"

  # The first start migrates the SQLite schema: allow two minutes.
  local waited=0 started=$SECONDS
  until curl -fsS --max-time 2 "$MLFLOW_TEST_URI/health" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$__mlflow_state/pid")" 2>/dev/null || [ "$waited" -ge 480 ]; then
      echo "mlflow.sh: the server did not come up; its log:" >&2
      tail -n 40 "$__mlflow_state/server.log" >&2
      return 1
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
  echo "::: mlflow $(curl -fsS --max-time 2 "$MLFLOW_TEST_URI/version") serving at $MLFLOW_TEST_URI (ready after $((SECONDS - started)) s)"
}

if __mlflow_start; then
  export MLFLOW_TEST_URI
  export MLFLOW_TEST_BIN="$__mlflow_root/bin/mlflow"
  export MLFLOW_TEST_PYTHON="$__mlflow_root/bin/python"
  # Stop the server when the sourcing shell exits. Every service registers a function in one list run by one trap
  # (rebuilding a trap from `trap -p` broke on the quotes of a path).
  __mlflow_stop() { kill -- "-$(cat "$__mlflow_state/pid" 2>/dev/null)" 2>/dev/null || true; }
  if [ -z "${__mlflow_trap_set:-}" ]; then
    __mlflow_trap_set=1
    __prd_stops+=(__mlflow_stop)
    trap 'for __prd_stop in "${__prd_stops[@]}"; do "$__prd_stop"; done' EXIT
  fi
else
  echo "mlflow.sh: could not start MLflow; the tracker's integration tests will fail in CI" >&2
  false
fi
