#!/usr/bin/env bash
# Installs vLLM in a virtualenv and the vulnreview-vllm systemd service on a Linux GPU machine.
# Run as root (it creates a service user, /etc/vulnreview and a systemd unit). Idempotent: re-running
# upgrades vLLM to VLLM_VERSION and refreshes the unit, and never overwrites an existing env file.
#
#   sudo ./install.sh                      # then edit /etc/vulnreview/vllm.env and start the service
#   sudo VLLM_VERSION=0.33.0 PREFIX=/srv/vulnreview ./install.sh
set -euo pipefail

PREFIX="${PREFIX:-/opt/vulnreview}"
VLLM_VERSION="${VLLM_VERSION:-0.33.0}"
SERVICE_USER="${SERVICE_USER:-vulnreview}"
PYTHON="${PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "install.sh: $*" >&2
  exit 1
}

[[ "$(id -u)" -eq 0 ]] || die "run as root (sudo ./install.sh): it installs a systemd unit and a service user"
command -v systemctl >/dev/null || die "systemd is required (systemctl not found)"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found; install Python 3.10 or newer, or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  die "$PYTHON is older than 3.10; vLLM needs 3.10+ (set PYTHON=/path/to/python3.x)"
"$PYTHON" -m venv --help >/dev/null 2>&1 || die "the venv module is missing (Debian/Ubuntu: apt-get install python3-venv)"
if ! command -v nvidia-smi >/dev/null; then
  echo "install.sh: warning: nvidia-smi not found; vLLM needs an NVIDIA driver to serve on the GPU" >&2
fi

if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --create-home --home-dir "$PREFIX/home" --shell /usr/sbin/nologin "$SERVICE_USER"
fi
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0755 "$PREFIX" "$PREFIX/home" "$PREFIX/models"
install -m 0755 "$HERE/start.sh" "$PREFIX/start.sh"
install -m 0755 "$HERE/healthcheck.sh" "$PREFIX/healthcheck.sh"

if [[ ! -x "$PREFIX/venv/bin/python" ]]; then
  sudo -u "$SERVICE_USER" "$PYTHON" -m venv "$PREFIX/venv"
fi
sudo -u "$SERVICE_USER" "$PREFIX/venv/bin/pip" install --upgrade pip
sudo -u "$SERVICE_USER" "$PREFIX/venv/bin/pip" install "vllm==$VLLM_VERSION"

install -d -m 0750 -g "$SERVICE_USER" /etc/vulnreview
if [[ ! -e /etc/vulnreview/vllm.env ]]; then
  # A fresh random key; the same value goes into the repository secret VULNREVIEW_API_KEY.
  key="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')"
  sed "s|^VLLM_API_KEY=.*|VLLM_API_KEY=$key|" "$HERE/vllm.env.example" >/etc/vulnreview/vllm.env
  chown root:"$SERVICE_USER" /etc/vulnreview/vllm.env
  chmod 0640 /etc/vulnreview/vllm.env
  echo "Wrote /etc/vulnreview/vllm.env with a new API key (readable by root and $SERVICE_USER only)."
fi

sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$SERVICE_USER|g" "$HERE/vulnreview-vllm.service" \
  >/etc/systemd/system/vulnreview-vllm.service
systemctl daemon-reload

cat <<DONE
Installed vLLM $VLLM_VERSION in $PREFIX/venv and the vulnreview-vllm service.
Next:
  1. Edit /etc/vulnreview/vllm.env: BASE_MODEL and ADAPTER_PATH (or MERGED_MODEL); HF_TOKEN for gated models.
  2. sudo systemctl enable --now vulnreview-vllm && journalctl -u vulnreview-vllm -f
  3. sudo $PREFIX/healthcheck.sh     (reads the key and port from /etc/vulnreview/vllm.env)
DONE
