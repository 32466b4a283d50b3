#!/bin/sh
# tests/layers.sh - fails when a folder reaches a layer above its own.
#
# The layers, lowest first (README, "What is in the tree"):
#   base (lib/) <- config <- modem;  base <- store;
#   store, config <- engine (flows/*.c) <- services (flows/NAME/) <- gateway
# Two checks: every #include "x.h" of a folder names a header of its own
# layer or one it may use; and every symbol an archive leaves undefined is
# defined by itself, by an archive it may use, or by a system library,
# never by a higher archive.  The compiler already refuses most upward
# includes (per-layer -I in the Makefile); this also catches "../" paths
# and calls through declarations written by hand.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
fails=0

# allowed LAYER: the folders (layers) LAYER may use, itself included.
allowed() {
	case $1 in
	lib) echo "lib" ;;
	config) echo "lib config" ;;
	modem) echo "lib config modem" ;;
	store) echo "lib store" ;;
	engine) echo "lib config store engine" ;;
	services) echo "lib config store engine services" ;;
	gateway) echo "lib config modem store engine services gateway" ;;
	esac
}

# layer_of PATH: the layer a source or header file belongs to.
layer_of() {
	case $1 in
	lib/*) echo lib ;;
	config/*) echo config ;;
	modem/*) echo modem ;;
	store/*) echo store ;;
	flows/*/*) echo services ;;
	flows/*) echo engine ;;
	gateway/*) echo gateway ;;
	*) echo "" ;;
	esac
}

archive_of() {
	case $1 in lib) echo base ;; *) echo "$1" ;; esac
}

# Where each header lives.
headers=$(find lib config modem store flows gateway -name '*.h' | sort)

for src in $(find lib config modem store flows gateway -name '*.[ch]' | sort); do
	me=$(layer_of "$src")
	ok=$(allowed "$me")
	grep -n '^#include "' "$src" | while IFS= read -r line; do
		inc=$(printf '%s' "$line" | sed 's/.*#include "\([^"]*\)".*/\1/')
		case $inc in
		*/*) echo "FAIL $src: #include \"$inc\": use the layer's include path, not a relative one"
		     continue ;;
		esac
		where=$(printf '%s\n' "$headers" | grep "/$inc\$" | head -n 1)
		[ -z "$where" ] && continue   # a system or generated header
		its=$(layer_of "$where")
		case " $ok " in
		*" $its "*) ;;
		*) echo "FAIL $src (layer $me) includes $where (layer $its)" ;;
		esac
	done
done > "$BUILD/layers.out"

# Symbols: what each archive defines and leaves undefined.
for l in lib config modem store engine services gateway; do
	a="$BUILD/lib$(archive_of $l).a"
	[ -f "$a" ] || { echo "FAIL $a missing (run make first)"; fails=$((fails + 1)); continue; }
	nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u > "$BUILD/layers.def.$l"
	nm -g --undefined-only "$a" 2>/dev/null | awk '{ print $NF }' | sort -u > "$BUILD/layers.und.$l"
done
for l in lib config modem store engine services gateway; do
	ok=$(allowed "$l")
	for other in lib config modem store engine services gateway; do
		case " $ok " in *" $other "*) continue ;; esac
		comm -12 "$BUILD/layers.und.$l" "$BUILD/layers.def.$other" |
		while read -r sym; do
			echo "FAIL layer $l calls $sym of layer $other"
		done
	done
done >> "$BUILD/layers.out"

if [ -s "$BUILD/layers.out" ]; then
	cat "$BUILD/layers.out"
	n=$(wc -l < "$BUILD/layers.out")
	echo "layers: 0 passed, $n failed"
	exit 1
fi
echo "layers: no upward include or call"
