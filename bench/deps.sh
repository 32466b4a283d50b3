#!/bin/sh
# bench/deps.sh - install what the benchmarks need (Debian 12), only if missing.
#
#   bench/deps.sh            install missing packages (needs root or sudo)
#
# The benchmarks are not part of CI.  This installs, when absent:
#   gammu-smsd libdbd-sqlite3  the peer daemon and its libdbi SQLite driver
#   wrk nginx-light curl       HTTP load generator, the static-file reference, a probe
#   valgrind                   callgrind (instruction counts)
#   sqlite3 gcc make pkg-config libgammu-dev procps   to build and drive Stafeta
# The project's own build dependencies come from .ci/deps (make deps).
set -eu

PKGS="gammu-smsd libdbd-sqlite3 wrk nginx-light curl valgrind sqlite3 gcc make pkg-config libgammu-dev procps"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		# nginx-light is a transitional package: any nginx binary will do.
		if [ "$p" = nginx-light ] && command -v nginx >/dev/null 2>&1; then continue; fi
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "bench/deps.sh: all benchmark packages present"
	exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "bench/deps.sh: installing:$missing"
$SUDO apt-get update -qq
# (If the nginx package starts a system nginx on port 80, that does not
# matter: bench/ussd.sh runs its own on 127.0.0.1:18080 from a temporary
# configuration.)
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
