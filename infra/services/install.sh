#!/usr/bin/env bash
# The servers the tests start on loopback: PostgreSQL (the warehouse source and Airflow's
# metadata for the Celery cluster) and Redis (Celery's broker), from Debian's packages;
# and Chromium, which the browser tests drive headless (network off) through Playwright.
# Idempotent: installs only what is missing. The packages' own services are not used
# (their init scripts are stopped and disabled): tests start throw-away servers.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "infra/services/install.sh: ${missing[*]} missing and not root: install them with your package manager" >&2
  exit 2
fi
echo "installing ${missing[*]} (Debian packages)"
# policy-rc.d exit 101: the packages install without starting their own services.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod +x "$policy"
  created_policy=1
fi
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
[ "$created_policy" -eq 1 ] && "${as_root[@]}" rm -f "$policy"
echo "installed ${missing[*]}"
