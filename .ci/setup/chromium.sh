# Headless Chromium for the report tests (@prd/report drives it with playwright-core). Sourced by .ci/run.
# Debian's package, installed only when missing; never a browser download of playwright's own.
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version
