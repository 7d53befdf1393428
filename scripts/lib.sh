# Shared by scripts/run and scripts/test: a virtualenv with Roomcast installed from this tree.
PYTHON="${PYTHON:-python3}"

need_root_or_sudo() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Please run as root (or install sudo) to install: $*" >&2; return 1; fi
}

ensure_venv() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Roomcast needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      echo "python3-venv is missing; installing it with apt." >&2
      need_root_or_sudo apt-get update -qq
      need_root_or_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
      "$PYTHON" -m venv .venv
    fi
  fi
  local stamp=.venv/.installed extras="${1:-}"
  local want
  want="$(cat pyproject.toml | sha256sum | cut -c1-16)${extras}"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
    echo "$want" > "$stamp"
  fi
}
