#!/usr/bin/env bash
# The one command that runs every CareLedger test, on a fresh Debian 12 machine with the .NET 10 SDK.
# It installs what the tests need, builds once, runs all test projects, and ends with one line:
#   N passed, N failed
# Exit status is non-zero if anything failed or did not run.
set -euo pipefail
cd "$(dirname "$0")/.."

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

# --- what the tests need from Debian ---------------------------------------------------------------
# Servers and browsers come from Debian packages, installed here so that a clean machine needs nothing else.
# (Each later capability adds its packages to this list.)
# the consortium tests start their own JetStream servers on loopback; the portal tests drive Chromium headless;
# the state, vault and node suites also run against a throwaway PostgreSQL cluster that the tests create (initdb,
# pg_ctl on a free loopback port; as the package's unprivileged 'postgres' user when run as root);
# the demo test runs scripts/demo-token.sh as the tour prints it (curl, openssl)
debian_packages=(nats-server chromium postgresql curl openssl)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- build once, then test ---------------------------------------------------------------------------
dotnet build CareLedger.slnx -c Release -nodeReuse:false -v quiet -clp:ErrorsOnly

status=0
dotnet test CareLedger.slnx -c Release --no-build -nodeReuse:false \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=$?

# --- one line of totals over every test project ------------------------------------------------------
passed=0; failed=0; total=0
shopt -s nullglob
trx=("$results"/*.trx)
for f in "${trx[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$((total + $(get total)))
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
done
projects=$(find tests -name '*.Tests.csproj' | wc -l)
if [ ${#trx[@]} -lt "$projects" ]; then
  echo "only ${#trx[@]} of $projects test projects reported results"
  failed=$((failed + projects - ${#trx[@]}))
fi
not_run=$((total - passed - failed))
[ "$not_run" -gt 0 ] && echo "$not_run tests did not run to completion"
echo "$passed passed, $failed failed"
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
