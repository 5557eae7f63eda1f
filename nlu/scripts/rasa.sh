#!/usr/bin/env bash
# Rasa 3.6 server for NLU_BACKEND=rasa.
#   venv   build the Rasa virtualenv (Python 3.10) outside the clone; skipped when it works
#   train  train nlu/ into var/rasa/models; skipped when the data hash is unchanged
#          (RASA_NLU_DATA: another training-data folder, e.g. the test's sample; default nlu/data/nlu)
#   serve  serve the latest model on 127.0.0.1:5005 with the HTTP API
#   all    venv + train + serve
# Rasa 3.6 does not support Python 3.11, hence its own interpreter and virtualenv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${PHANANH_CACHE:-$HOME/.cache/phananh}"
VENV="${RASA_VENV:-$CACHE/rasa-venv}"
VAR="${VAR_DIR:-$ROOT/var}"
case "$VAR" in /*) ;; *) VAR="$ROOT/$VAR" ;; esac
MODELS="$VAR/rasa/models"
NLU_DATA="${RASA_NLU_DATA:-$ROOT/nlu/data/nlu}"
HOST="${RASA_HOST:-127.0.0.1}"
PORT="${RASA_PORT:-5005}"
RASA_VERSION="3.6.21"
export RASA_TELEMETRY_ENABLED=false
# Rasa caches trained components in ./.rasa by default: keep it out of the clone.
export RASA_CACHE_DIRECTORY="${RASA_CACHE_DIRECTORY:-$VAR/rasa/cache}"
# Rasa's sanic/tensorflow print a lot of noise; keep logs readable.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"

die() { echo "rasa.sh: $*" >&2; exit 1; }

find_python310() {
  if [ -n "${RASA_PYTHON:-}" ]; then echo "$RASA_PYTHON"; return; fi
  local root
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for p in "$root"/versions/3.10.*/bin/python /usr/bin/python3.10 "$(command -v python3.10 || true)"; do
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return; fi
  done
  die "Python 3.10 not found (Rasa 3.6 needs Python < 3.11): install it with 'pyenv install 3.10' or set RASA_PYTHON"
}

venv_ok() {
  [ -x "$VENV/bin/rasa" ] && "$VENV/bin/python" -c "import rasa, sys; sys.exit(0 if rasa.__version__ == '$RASA_VERSION' else 1)" >/dev/null 2>&1
}

cmd_venv() {
  if venv_ok; then echo "rasa venv ready: $VENV"; return; fi
  local py; py="$(find_python310)"
  echo "building rasa venv in $VENV with $py (a few minutes, ~2.7 GB)"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$py" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade "pip<24.1" setuptools wheel
  # jax 0.4.30 pins a version that still resolves with rasa 3.6's tensorflow 2.12 stack.
  "$VENV/bin/pip" install --quiet "rasa==$RASA_VERSION" "jax==0.4.30" "jaxlib==0.4.30"
  venv_ok || die "rasa venv built but 'import rasa' fails; remove $VENV and retry"
  echo "rasa venv ready: $VENV"
}

data_hash() {
  (cd "$ROOT/nlu" && cat config.yml domain.yml "$NLU_DATA"/*.yml | sha256sum | cut -c1-16)
}

cmd_train() {
  venv_ok || die "rasa venv missing: run 'bash nlu/scripts/rasa.sh venv'"
  local h; h="$(data_hash)"
  mkdir -p "$MODELS"
  if [ -f "$MODELS/nlu-$h.tar.gz" ]; then echo "rasa model up to date: $MODELS/nlu-$h.tar.gz"; return; fi
  echo "training rasa NLU model $h"
  (cd "$ROOT/nlu" && "$VENV/bin/rasa" train nlu --config config.yml --nlu "$NLU_DATA" \
      --out "$MODELS" --fixed-model-name "nlu-$h" --quiet)
  echo "rasa model: $MODELS/nlu-$h.tar.gz"
}

cmd_serve() {
  venv_ok || die "rasa venv missing: run 'bash nlu/scripts/rasa.sh venv'"
  local h; h="$(data_hash)"
  local model="$MODELS/nlu-$h.tar.gz"
  [ -f "$model" ] || die "no model for the current data ($h): run 'bash nlu/scripts/rasa.sh train'"
  echo "serving $model on http://$HOST:$PORT"
  cd "$ROOT/nlu"
  exec "$VENV/bin/rasa" run --enable-api -i "$HOST" -p "$PORT" -m "$model"
}

case "${1:-}" in
  venv) cmd_venv ;;
  train) cmd_train ;;
  serve) cmd_serve ;;
  all) cmd_venv; cmd_train; cmd_serve ;;
  *) echo "usage: bash nlu/scripts/rasa.sh venv|train|serve|all" >&2; exit 2 ;;
esac
