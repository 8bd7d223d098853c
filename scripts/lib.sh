# Shared helpers for the scripts/ commands (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
fail() { printf '\nfilmspace: error: %s\n' "$*" >&2; exit 1; }

# Runs "$@" as root (directly, or through sudo when there is one).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "'$*' needs root and there is no sudo"; fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    note "apt-get update"
    as_root apt-get update -qq || fail "apt-get update failed"
    APT_UPDATED=1
  fi
  note "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null || fail "apt-get install $* failed"
}

# The Spark job's tools (only scripts/spark-als and the Spark tests need them): a Java runtime
# 17 or newer from apt, and a venv with pyspark (its wheel ships Spark itself), pandas and
# pyarrow (for mapInPandas), numpy and safetensors. Sets SPARK_PYTHON.
SPARK_VENV="$ROOT/target/spark-venv"
SPARK_PYTHON="$SPARK_VENV/bin/python"
SPARK_PACKAGES=("pyspark[sql]==4.0.5" "safetensors==0.6.2" "numpy<3" "pytest==8.4.2")
java_major() {
  java -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p'
}
spark_ready() {
  if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
    note "Spark needs Java 17 or newer: installing a Java runtime (apt)"
    apt_install default-jre-headless
    [ "$(java_major)" -ge 17 ] 2>/dev/null || fail "Java $(java_major) is too old for Spark 4 (17 or newer)"
  fi
  if ! "$SPARK_PYTHON" -c 'import pyspark, safetensors, pyarrow, pandas, pytest' 2>/dev/null; then
    note "Spark's Python side: a venv in target/spark-venv with ${SPARK_PACKAGES[*]}"
    python3 -m venv "$SPARK_VENV" 2>/dev/null || { rm -rf "$SPARK_VENV"; apt_install python3-venv; python3 -m venv "$SPARK_VENV"; } \
      || fail "could not create a Python venv in $SPARK_VENV"
    "$SPARK_VENV/bin/pip" install --quiet --disable-pip-version-check "${SPARK_PACKAGES[@]}" \
      || fail "pip could not install ${SPARK_PACKAGES[*]}"
  fi
}
