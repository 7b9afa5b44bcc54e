#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, UBSAN, lockdep, kmemleak, ...) from Debian's
# linux-source-6.12 once, cached under $IPOIB_CACHE/debug-<key>, where key
# hashes the config fragments, the source version and this recipe.
#
#   build-debug-kernel.sh            build if needed; print the cache dir
#   build-debug-kernel.sh --dir      print the cache dir (built or not)
#   build-debug-kernel.sh --status   exit 0 when the cached kernel is ready
#
# The cache dir holds: bzImage, release (kernel release string),
# build/ (O= tree, usable as KDIR for our modules),
# modroot/lib/modules/<release>/ (installed modules), build.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
proj=$(cd "$here/../.." && pwd)
cache=${IPOIB_CACHE:-/var/cache/ipoib-rig}
jobs=${JOBS:-2}
recipe=1	# bump when the steps below change what gets built

frags=("$here/debug-base.config" "$here/debug.config")
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
key=$( { cat "${frags[@]}"; echo "$srcver $recipe"; } | sha256sum | cut -c1-12)
out=$cache/debug-$key

case "${1:-}" in
--dir) echo "$out"; exit 0 ;;
--status) [ -f "$out/.done" ]; exit ;;
esac

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

src=$("$proj/scripts/linux-source.sh")
mkdir -p "$out"
exec 9>"$out/.lock"
if ! flock -n 9; then
	echo "build-debug-kernel: another build of $out is running; waiting" >&2
	flock 9
fi
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

log=$out/build.log
: >"$log"
start=$(date +%s)
echo "build-debug-kernel: building $out (log: $log)" >&2
kmake() { nice -n 19 make -C "$src" O="$out/build" "$@" >>"$log" 2>&1; }

rm -rf "$out/build" "$out/modroot"
mkdir -p "$out/build"
kmake tinyconfig
kmake kvm_guest.config
(cd "$src" && nice -n 19 scripts/kconfig/merge_config.sh -m -O "$out/build" \
	"$out/build/.config" "${frags[@]}") >>"$log" 2>&1
kmake olddefconfig

# Report what the fragments asked for but Kconfig did not grant.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) sym=${line%%=*}
		grep -qx "$sym=[ym].*" "$out/build/.config" || continue ;;
	CONFIG_*=*) grep -qxF "$line" "$out/build/.config" && continue ;;
	*) continue ;;
	esac
	echo "build-debug-kernel: not granted: $line" | tee -a "$log" >&2
	missing=1
done < <(cat "${frags[@]}")
[ "$missing" = 0 ] || echo "build-debug-kernel: (continuing)" >&2

if ! kmake -j"$jobs" bzImage modules; then
	tail -40 "$log" >&2
	echo "build-debug-kernel: build failed, see $log" >&2
	exit 1
fi
kmake INSTALL_MOD_PATH="$out/modroot" modules_install
cp "$out/build/arch/x86/boot/bzImage" "$out/bzImage"
cat "$out/build/include/config/kernel.release" >"$out/release"
echo "build-debug-kernel: done in $(( $(date +%s) - start ))s" | tee -a "$log" >&2
touch "$out/.done"
echo "$out"
