#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the directory of Debian's linux-source-6.12, extracted once under the
# rig cache (checkpatch.pl and the debug kernel are taken from it).
set -euo pipefail

cache=${IPOIB_CACHE:-/var/cache/ipoib-rig}
src=$cache/linux-source-6.12
tarball=/usr/src/linux-source-6.12.tar.xz

if [ -f "$src/.ipoib-extracted" ]; then
	echo "$src"
	exit 0
fi
[ -f "$tarball" ] || { echo "linux-source.sh: $tarball missing (make deps)" >&2; exit 1; }
mkdir -p "$cache"
exec 9>"$cache/.linux-source.lock"
flock 9
if [ ! -f "$src/.ipoib-extracted" ]; then
	if [ -f "$src/Makefile" ] && [ -f "$src/scripts/checkpatch.pl" ] && [ -f /tmp/extract.done ]; then
		: # extracted by hand on this machine before the rig existed
	else
		echo "linux-source.sh: extracting $tarball into $cache (about a minute)" >&2
		tmp=$(mktemp -d "$cache/.extract.XXXXXX")
		nice -n 19 tar -xf "$tarball" -C "$tmp"
		rm -rf "$src"
		mv "$tmp/linux-source-6.12" "$src"
		rmdir "$tmp"
	fi
	touch "$src/.ipoib-extracted"
fi
echo "$src"
