#!/usr/bin/env bash
# Installs (or upgrades) Porch on Debian or Raspberry Pi OS (amd64, arm64) as a systemd service.
#
#   sudo ./install.sh --base-url https://example.com            # build from this checkout
#   sudo ./install.sh --binary ./porch --base-url https://example.com   # use a built binary
#
# Re-running it upgrades in place: the binary is replaced and the service restarted; the data
# folder (/var/lib/porch) and the settings file (/etc/porch/porch.env) are kept.
set -euo pipefail

BINARY=""
BASE_URL=""
LISTEN="127.0.0.1:8080"
ACME_DOMAIN=""
ACME_EMAIL=""
ROOT=""   # install into a staging folder instead of / (for trying the script; skips systemctl)

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'USAGE'

Options:
  --binary PATH        install this porch binary instead of building from source
  --base-url URL       the site's public origin (https://example.com); asked for if missing
  --listen ADDR        address Porch listens on behind a reverse proxy (default 127.0.0.1:8080)
  --acme-domain D      serve HTTPS on 443 itself, with a Let's Encrypt certificate for D
  --acme-email E       contact address for Let's Encrypt (with --acme-domain)
  --root DIR           install into DIR instead of / (no users, no systemctl): for trying it out
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY="$2"; shift 2 ;;
    --base-url) BASE_URL="$2"; shift 2 ;;
    --listen) LISTEN="$2"; shift 2 ;;
    --acme-domain) ACME_DOMAIN="$2"; shift 2 ;;
    --acme-email) ACME_EMAIL="$2"; shift 2 ;;
    --root) ROOT="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  fail "run it as root (sudo ./install.sh …)"
fi

case "$(uname -m)" in
  x86_64|amd64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) fail "unsupported architecture $(uname -m): Porch's installer knows amd64 and arm64" ;;
esac

if [ -n "$ACME_DOMAIN" ] && [ -z "$ACME_EMAIL" ]; then
  fail "--acme-domain needs --acme-email (Let's Encrypt's contact address)"
fi
if [ -n "$ACME_DOMAIN" ] && [ -z "$BASE_URL" ]; then
  BASE_URL="https://$ACME_DOMAIN"
fi

ENV_FILE="$ROOT/etc/porch/porch.env"
UNIT="$ROOT/etc/systemd/system/porch.service"
DATA="$ROOT/var/lib/porch"
BIN="$ROOT/usr/local/bin/porch"
UPGRADE=0
[ -f "$ENV_FILE" ] && UPGRADE=1

if [ "$UPGRADE" -eq 0 ] && [ -z "$BASE_URL" ]; then
  if [ -t 0 ]; then
    read -r -p "Public address of the site (https://example.com): " BASE_URL
  fi
  [ -n "$BASE_URL" ] || fail "give the site's public address with --base-url https://your.domain"
fi

# 1. The binary: a given one, or built from this checkout.
if [ -z "$BINARY" ]; then
  HERE="$(cd "$(dirname "$0")" && pwd)"
  [ -f "$HERE/Cargo.toml" ] || fail "no --binary given and no Cargo.toml beside install.sh to build from"
  CARGO="$(command -v cargo || true)"
  if [ -z "$CARGO" ] && [ -n "${SUDO_USER:-}" ] && [ -x "/home/$SUDO_USER/.cargo/bin/cargo" ]; then
    CARGO="/home/$SUDO_USER/.cargo/bin/cargo"
  fi
  [ -n "$CARGO" ] || fail "cargo not found: install Rust (https://rustup.rs) or pass --binary"
  say "Building Porch for $ARCH (this takes a few minutes, longer on a Raspberry Pi)"
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    # Build as the invoking user, so that root does not own their target/ folder.
    sudo -u "$SUDO_USER" "$CARGO" build --release --locked --manifest-path "$HERE/Cargo.toml"
  else
    "$CARGO" build --release --locked --manifest-path "$HERE/Cargo.toml"
  fi
  BINARY="$HERE/target/release/porch"
fi
[ -x "$BINARY" ] || fail "$BINARY is not an executable"
"$BINARY" --version >/dev/null || fail "$BINARY does not run on this machine ($ARCH)"

# 2. A system user and its data folder.
if [ -z "$ROOT" ]; then
  if ! id porch >/dev/null 2>&1; then
    say "Creating the system user porch"
    useradd --system --home-dir /var/lib/porch --shell /usr/sbin/nologin --user-group porch
  fi
fi
install -d -m 0750 "$DATA"
install -d -m 0755 "$ROOT/etc/porch" "$ROOT/usr/local/bin" "$ROOT/etc/systemd/system"
[ -z "$ROOT" ] && chown porch:porch "$DATA"

# 3. The binary, replaced atomically so that a running service never sees half a file.
say "Installing $(${BINARY} --version) to /usr/local/bin/porch"
install -m 0755 "$BINARY" "$BIN.new"
mv -f "$BIN.new" "$BIN"

# 4. Settings: written once, then left to the owner.
if [ "$UPGRADE" -eq 0 ]; then
  say "Writing /etc/porch/porch.env"
  {
    echo "# Porch settings, read by porch.service. Everything else is in the admin panel."
    echo "PORCH_DATA=/var/lib/porch"
    echo "PORCH_BASE_URL=$BASE_URL"
    if [ -n "$ACME_DOMAIN" ]; then
      echo "PORCH_ACME_DOMAIN=$ACME_DOMAIN"
      echo "PORCH_ACME_EMAIL=$ACME_EMAIL"
    else
      echo "PORCH_LISTEN=$LISTEN"
      echo "# Behind a reverse proxy on this machine, trust its X-Forwarded-For:"
      echo "PORCH_TRUST_PROXY=true"
    fi
  } > "$ENV_FILE"
  chmod 0640 "$ENV_FILE"
  [ -z "$ROOT" ] && chgrp porch "$ENV_FILE"
else
  say "Keeping /etc/porch/porch.env and /var/lib/porch as they are"
fi

# 5. The service, hardened: it may write only its data folder, and may bind 80/443 only when
# it serves HTTPS itself.
CAPS=""
if grep -q '^PORCH_ACME_DOMAIN=' "$ENV_FILE"; then
  CAPS="AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE"
else
  CAPS="CapabilityBoundingSet="
fi
cat > "$UNIT" <<UNITFILE
[Unit]
Description=Porch, a personal blog that federates
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=porch
Group=porch
EnvironmentFile=/etc/porch/porch.env
ExecStart=/usr/local/bin/porch serve
Restart=on-failure
RestartSec=5
TimeoutStopSec=20
$CAPS
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
ReadWritePaths=/var/lib/porch
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
MemoryDenyWriteExecute=true
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged
UMask=0027

[Install]
WantedBy=multi-user.target
UNITFILE

if [ -n "$ROOT" ]; then
  say "Installed into $ROOT (no service started)."
  exit 0
fi

systemctl daemon-reload
systemctl enable porch.service >/dev/null
systemctl restart porch.service
say "Porch is running: systemctl status porch"

# 6. What to do next.
URL="$(grep '^PORCH_BASE_URL=' "$ENV_FILE" | cut -d= -f2-)"
HOST="${URL#*://}"
cat <<NEXT

Next steps
  1. DNS: point $HOST (an A and/or AAAA record) at this machine.
NEXT
if grep -q '^PORCH_ACME_DOMAIN=' "$ENV_FILE"; then
  cat <<NEXT
  2. HTTPS: Porch gets its certificate from Let's Encrypt by itself (TLS-ALPN-01 on port 443)
     and renews it; port 443 must be open to the internet, and port 80 for the redirect.
NEXT
else
  cat <<NEXT
  2. HTTPS: put a reverse proxy in front of Porch, for example Caddy:
         $HOST {
             reverse_proxy $(grep '^PORCH_LISTEN=' "$ENV_FILE" | cut -d= -f2-)
         }
     or let Porch serve HTTPS itself: re-run this installer on a fresh machine with
     --acme-domain $HOST --acme-email you@example.com, or add PORCH_ACME_DOMAIN and
     PORCH_ACME_EMAIL to /etc/porch/porch.env and rerun it.
NEXT
fi
if [ "$UPGRADE" -eq 0 ]; then
  cat <<NEXT
  3. Set up your account: the one-time setup link is in the log:
         journalctl -u porch | grep setup
     (or run: sudo -u porch porch init --data /var/lib/porch --base-url $URL --username you --password-stdin)
NEXT
fi
