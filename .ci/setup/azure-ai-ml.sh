# shellcheck shell=bash
# The official AzureML Python SDK (azure-ai-ml from PyPI) in a gitignored venv, for tests only: the AzureML control
# plane of packages/testing checks every request body against the SDK's REST models, and a peer test compares prd's
# command-job body with the one the SDK builds from YAML. prd itself never runs Python.
# Sourced by .ci/run before `npm ci`; idempotent (a second source reuses the venv). Exports
#   AZURE_AI_ML_TEST_PYTHON  the venv's python, with azure-ai-ml importable
__azml_version=1.35.2
__azml_root="$PWD/.venv/azure-ai-ml"

__azml_setup() {
  local py
  py=$(command -v python3 || true)
  if [ -z "$py" ]; then
    echo "azure-ai-ml.sh: python3 is missing; install it (apt-get install -y python3 python3-venv)" >&2
    return 1
  fi
  if ! "$__azml_root/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('azure-ai-ml') != '$__azml_version')" 2>/dev/null; then
    echo "::: installing azure-ai-ml==$__azml_version into $__azml_root"
    rm -rf "$__azml_root"
    "$py" -m venv "$__azml_root" </dev/null || return 1
    "$__azml_root/bin/pip" install --quiet --disable-pip-version-check --no-input "azure-ai-ml==$__azml_version" </dev/null || return 1
  fi
}

if __azml_setup; then
  export AZURE_AI_ML_TEST_PYTHON="$__azml_root/bin/python"
  echo "::: azure-ai-ml $__azml_version at $AZURE_AI_ML_TEST_PYTHON"
else
  echo "azure-ai-ml.sh: could not install azure-ai-ml; the AzureML tests will fail" >&2
  false
fi
