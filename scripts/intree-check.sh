#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# intree-check.sh prepare | build CM DEBUG
#
# Proves the driver builds where it belongs: the repository is the directory
# drivers/infiniband/ulp/ipoib of a kernel tree.  The kernel source is the
# debug kernel's (Debian's linux-source-6.12 extracted by linux-source.sh),
# which is shared and never written to: the build reads it through a
# symlink farm whose drivers/infiniband/ulp/ipoib holds links to the
# driver's files (Makefile, Kconfig, *.c, *.h of this repository), and
# writes to its own O= tree.  Both are cached under
# $IPOIB_CACHE/intree-<key> (key: the debug kernel's .config, the source
# version and this recipe).
#
#   prepare         the farm and the O= tree configured from the debug
#                   kernel's .config and prepared (modules_prepare); cached
#   build CM DEBUG  CONFIG_INFINIBAND_IPOIB=m, CONFIG_INFINIBAND_IPOIB_CM=CM,
#                   CONFIG_INFINIBAND_IPOIB_DEBUG=DEBUG (y or n): rebuild the
#                   directory from scratch with W=1 and sparse (C=1); fails
#                   on any warning or error in the driver's files, and on an
#                   undefined symbol of ib_ipoib.o that neither the module
#                   itself nor the debug kernel (vmlinux, modules) exports
set -euo pipefail

proj=$(cd "$(dirname "$0")/.." && pwd)
cache=${IPOIB_CACHE:-/var/cache/ipoib-rig}
jobs=${JOBS:-$(nproc)}
recipe=1	# bump when the farm or the O= tree are laid out differently
rel=drivers/infiniband/ulp/ipoib

die() { echo "intree-check: $*" >&2; exit 1; }

dbg=$("$proj/selftests/vm/build-debug-kernel.sh" --dir)
[ -f "$dbg/.done" ] || die "the debug kernel is not built ($dbg): run selftests/vm/build-debug-kernel.sh"
src=$("$proj/scripts/linux-source.sh")
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
key=$( { cat "$dbg/build/.config"; echo "$srcver $recipe"; } | sha256sum | cut -c1-12)
top=$cache/intree-$key
farm=$top/src
obj=$top/obj

kmake() { make -C "$farm" O="$obj" -j"$jobs" "$@"; }

# link_dir FROM TO EXCEPT: TO gets a symlink to every entry of FROM but
# EXCEPT.
link_dir() {
	local from=$1 to=$2 except=$3 e

	mkdir -p "$to"
	for e in "$from"/* "$from"/.[!.]*; do
		[ -e "$e" ] || continue
		case "${e##*/}" in
		"$except"|.ipoib-extracted) continue ;;
		esac
		ln -sfn "$e" "$to/${e##*/}"
	done
}

# The driver's directory in the farm: links to its files as they are now
# (new files included).
link_driver() {
	local f

	rm -rf "${farm:?}/$rel"
	mkdir -p "$farm/$rel"
	for f in "$proj"/Makefile "$proj"/Kconfig "$proj"/*.c "$proj"/*.h; do
		[ -f "$f" ] && ln -s "$f" "$farm/$rel/${f##*/}"
	done
}

prepare() {
	if [ -f "$top/.prepared" ]; then
		link_driver
		echo "intree-check: using the prepared tree $top"
		return 0
	fi
	mkdir -p "$cache"
	exec 9>"$cache/.intree.lock"
	flock 9
	[ ! -f "$top/.prepared" ] || { link_driver; return 0; }
	# Other keys are stale.
	find "$cache" -mindepth 1 -maxdepth 1 -name 'intree-*' ! -name "intree-$key" \
		-exec rm -rf {} +
	rm -rf "$top"
	link_dir "$src" "$farm" drivers
	link_dir "$src/drivers" "$farm/drivers" infiniband
	link_dir "$src/drivers/infiniband" "$farm/drivers/infiniband" ulp
	link_dir "$src/drivers/infiniband/ulp" "$farm/drivers/infiniband/ulp" ipoib
	link_driver
	mkdir -p "$obj"
	cp "$dbg/build/.config" "$obj/.config"
	kmake olddefconfig
	# W=1 as for the driver, so that nothing prepared is rebuilt later.
	nice -n 10 make -C "$farm" O="$obj" -j"$jobs" W=1 modules_prepare
	touch "$top/.prepared"
}

# want SYMBOL VALUE: the O= .config has CONFIG_SYMBOL=VALUE (n: unset).
want() {
	if [ "$2" = n ]; then
		! grep -q "^CONFIG_$1=" "$obj/.config"
	else
		grep -qx "CONFIG_$1=$2" "$obj/.config"
	fi
}

build() {
	local cm=$1 dbgopt=$2 log ko bad sym

	case "$cm$dbgopt" in
	yy|yn|ny|nn) ;;
	*) die "usage: intree-check.sh build y|n y|n" ;;
	esac
	[ -f "$top/.prepared" ] || die "not prepared: run intree-check.sh prepare"
	exec 9>"$cache/.intree.lock"
	flock 9
	link_driver
	"$src/scripts/config" --file "$obj/.config" -m INFINIBAND_IPOIB \
		"--$( [ "$cm" = y ] && echo enable || echo disable)" INFINIBAND_IPOIB_CM \
		"--$( [ "$dbgopt" = y ] && echo enable || echo disable)" INFINIBAND_IPOIB_DEBUG
	kmake olddefconfig >/dev/null
	want INFINIBAND_IPOIB m && want INFINIBAND_IPOIB_CM "$cm" &&
		want INFINIBAND_IPOIB_DEBUG "$dbgopt" ||
		die "Kconfig did not grant IPOIB=m IPOIB_CM=$cm IPOIB_DEBUG=$dbgopt: $(grep INFINIBAND_IPOIB "$obj/.config" | paste -sd' ')"
	grep INFINIBAND_IPOIB "$obj/.config"

	# From scratch: every file is compiled (and checked) again.
	rm -rf "${obj:?}/$rel"
	log=$top/build-$cm$dbgopt.log
	kmake W=1 C=1 "$rel/" 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || die "the in-tree build failed"

	bad=$(grep -E "(^|/)$rel/[^:]*:[0-9]+(:[0-9]+)?: (warning|error):" "$log" || true)
	[ -z "$bad" ] || die "warnings in the driver's files:
$bad"
	ko=$obj/$rel/ib_ipoib.o
	[ -f "$ko" ] || die "no $ko"
	# Which objects went in: ipoib_cm.o only with CM, ipoib_fs.o only
	# with DEBUG.
	for f in cm:"$cm" fs:"$dbgopt"; do
		if [ "${f#*:}" = y ]; then
			[ -f "$obj/$rel/ipoib_${f%%:*}.o" ] || die "ipoib_${f%%:*}.o was not built"
		else
			[ ! -f "$obj/$rel/ipoib_${f%%:*}.o" ] || die "ipoib_${f%%:*}.o was built"
		fi
	done
	# What modpost would resolve against the kernel: every undefined
	# symbol is exported by the debug kernel or one of its modules
	# (__this_module comes with the module's .mod.c).
	bad=
	while read -r sym; do
		[ "$sym" != __this_module ] || continue
		awk -v s="$sym" '$2 == s { found = 1; exit } END { exit !found }' \
			"$dbg/build/Module.symvers" || bad+=" $sym"
	done < <(nm -u "$ko" | awk '{ print $2 }')
	[ -z "$bad" ] || die "undefined symbols that nothing exports:$bad"
	echo "intree-check: IPOIB_CM=$cm IPOIB_DEBUG=$dbgopt: clean ($(ls "$obj/$rel"/*.o | wc -l) objects)"
}

case "${1:-}" in
prepare) prepare ;;
build) build "${2:-}" "${3:-}" ;;
*) die "usage: intree-check.sh prepare | build CM DEBUG" ;;
esac
