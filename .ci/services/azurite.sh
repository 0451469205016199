# shellcheck shell=bash
# Azurite (npm, a devDependency of @prd/testing): the Azure Storage blob API on 127.0.0.1, for the AzureML tests
# (code and data uploads, blob sources, job outputs, model files). Sourced by .ci/run after `npm ci`. Exports
#   AZURITE_BLOB_URL           the blob endpoint of the dev account, e.g. http://127.0.0.1:10123/devstoreaccount1
#   AZURITE_CONNECTION_STRING  a connection string for it (Azurite's published development key, not a secret)
# Idempotent: a second source reuses a server this script started that still answers. Needs no stdin; the server's
# output goes to a log file, and it is stopped when the sourcing shell exits.

__azurite_state="$PWD/.prd/azurite"
__azurite_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

__azurite_up() {
  curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/devstoreaccount1?comp=list" 2>/dev/null | grep -qE '^[1-5][0-9][0-9]$'
}

__azurite_start() {
  local bin="$PWD/node_modules/.bin/azurite-blob"
  if [ ! -x "$bin" ]; then
    echo "azurite.sh: $bin is missing; run npm ci first" >&2
    return 1
  fi
  mkdir -p "$__azurite_state"
  if [ -f "$__azurite_state/port" ] && [ -f "$__azurite_state/pid" ] && kill -0 "$(cat "$__azurite_state/pid")" 2>/dev/null; then
    __azurite_port=$(cat "$__azurite_state/port")
    if __azurite_up "$__azurite_port"; then
      echo "::: azurite already serving at 127.0.0.1:$__azurite_port"
      return 0
    fi
    kill -- "-$(cat "$__azurite_state/pid")" 2>/dev/null || true
  fi
  __azurite_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  rm -rf "$__azurite_state/data" "$__azurite_state/pid"
  # --skipApiVersionCheck: @azure/storage-blob may speak a newer x-ms-version than this Azurite knows.
  setsid bash -c 'echo $$ >"$1/pid"; shift; exec "$@"' _ "$__azurite_state" \
    "$bin" --blobHost 127.0.0.1 --blobPort "$__azurite_port" --location "$__azurite_state/data" \
    --skipApiVersionCheck --loose --silent \
    </dev/null >"$__azurite_state/server.log" 2>&1 &
  echo "$__azurite_port" >"$__azurite_state/port"
  local i
  for i in $(seq 1 200); do
    __azurite_up "$__azurite_port" && break
    if [ -s "$__azurite_state/pid" ] && ! kill -0 "$(cat "$__azurite_state/pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if ! __azurite_up "$__azurite_port"; then
    echo "azurite.sh: Azurite did not come up; its log:" >&2
    tail -n 40 "$__azurite_state/server.log" >&2
    return 1
  fi
  echo "::: azurite serving at 127.0.0.1:$__azurite_port"
}

if __azurite_start; then
  export AZURITE_BLOB_URL="http://127.0.0.1:$__azurite_port/devstoreaccount1"
  export AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$__azurite_key;BlobEndpoint=$AZURITE_BLOB_URL;"
  # Stop the server when the sourcing shell exits. Every service registers a function in one list run by one trap
  # (rebuilding a trap from `trap -p` broke on the quotes of a path).
  __azurite_stop() { kill -- "-$(cat "$__azurite_state/pid" 2>/dev/null)" 2>/dev/null || true; }
  if [ -z "${__azurite_trap_set:-}" ]; then
    __azurite_trap_set=1
    __prd_stops+=(__azurite_stop)
    trap 'for __prd_stop in "${__prd_stops[@]}"; do "$__prd_stop"; done' EXIT
  fi
else
  echo "azurite.sh: could not start Azurite; the AzureML tests will fail" >&2
  false
fi
