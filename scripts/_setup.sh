# Shared by scripts/demo and scripts/test: install Debian packages and the Python environment.
# Sourced, not run. Everything a fresh Debian machine needs is installed here, nothing by hand.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

# Install Debian packages that are not there yet; explain clearly when we cannot.
need_debs() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "mailplan: these Debian packages are missing: ${missing[*]}" >&2
        echo "mailplan: install them as root:  apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "mailplan: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Postfix must not ask questions nor write a system main.cf; tests run their own instances.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # Package scripts must not start system daemons (no init system in CI containers).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    fi
    # apt's output is kept, not thrown away: when it fails, say what is missing and why before exiting.
    local log
    log="$(mktemp)"
    if ! apt-get update -qq >"$log" 2>&1 \
        || ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        echo "mailplan: could not install these Debian packages: ${missing[*]}" >&2
        echo "mailplan: apt-get said (last lines):" >&2
        tail -n 20 "$log" | sed 's/^/    /' >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

# The project's virtual environment, with the given extras ("" or "test").
python_env() {
    local extras="$1"
    command -v python3 >/dev/null || need_debs python3 python3-venv
    # Debian's python3 has the venv module but needs python3-venv for ensurepip (pip inside the venv)
    python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need_debs python3-venv
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    if [ -n "$extras" ]; then
        "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
    else
        "$VENV/bin/python" -m pip install -q -e "$ROOT"
    fi
}
