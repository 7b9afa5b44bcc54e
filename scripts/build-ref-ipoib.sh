#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the distribution's IPoIB driver (Debian linux-source-6.12,
# drivers/infiniband/ulp/ipoib) as test equipment under other names, so it
# can be loaded next to our ib_ipoib in one kernel (selftests/interop.sh):
#
#   module            ib_ipoib         -> ib_ipoib_ref
#   rtnetlink kind    "ipoib"          -> "ipoib_ref" (and its module alias)
#   debugfs directory ipoib/           -> ipoib_ref/
#   ib_client name    "ipoib"          -> "ipoib_ref"
#   workqueues        ipoib_wq, ipoib_flush -> ipoib_ref_wq, ipoib_ref_flush
#
# Nothing else is changed: the behaviour (and the ethtool driver name) is
# the distribution's.  Built with CONFIG_INFINIBAND_IPOIB_CM=y and
# CONFIG_INFINIBAND_IPOIB_DEBUG=y, as Debian builds it.  The source tree
# under the rig cache is only read: the directory is copied into the output
# dir and renamed there.  Nothing of it ends up in this repository.
#
#   build-ref-ipoib.sh [--kdir DIR]   build if needed; print the output dir
#   build-ref-ipoib.sh --dir [--kdir DIR]     print the output dir only
#   build-ref-ipoib.sh --status [--kdir DIR]  exit 0 when it is built
#
# KDIR defaults to the stock kernel's /lib/modules/<release>/build; for the
# debug kernel pass --kdir "$(selftests/vm/build-debug-kernel.sh --dir)/build".
# Output: $IPOIB_CACHE/ref-ipoib/<kernel release>/ib_ipoib_ref.ko (plus
# build.log, src/ and key).  The build is redone when the linux-source
# package version, this script or the KDIR's Module.symvers changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
proj=$(cd "$here/.." && pwd)
cache=${IPOIB_CACHE:-/var/cache/ipoib-rig}
jobs=${JOBS:-2}
me=build-ref-ipoib

die() { echo "$me: $*" >&2; exit 1; }

mode=build kdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) [ $# -ge 2 ] || die "--kdir needs a directory"; kdir=$2; shift 2 ;;
	--kdir=*) kdir=${1#--kdir=}; shift ;;
	--dir) mode=dir; shift ;;
	--status) mode=status; shift ;;
	-h|--help) sed -n '3,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (usage: $me [--kdir DIR] [--dir|--status])" ;;
	esac
done

if [ -z "$kdir" ]; then
	rel=$(make -s --no-print-directory -C "$proj" print-stock-krel 2>/dev/null || true)
	[ -n "$rel" ] || die "cannot tell the stock kernel release (make print-stock-krel)"
	kdir=/lib/modules/$rel/build
fi
[ -r "$kdir/include/config/kernel.release" ] ||
	die "no configured kernel build tree at $kdir (install the headers: make deps; for the debug kernel: selftests/vm/build-debug-kernel.sh)"
kdir=$(cd "$kdir" && pwd -P)
krel=$(cat "$kdir/include/config/kernel.release")
[ -r "$kdir/Module.symvers" ] || die "$kdir has no Module.symvers"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
[ -n "$srcver" ] || die "linux-source-6.12 is not installed (make deps)"
# The kernel's configuration is part of the key: two builds of one release
# (the debug kernel rebuilt with other options) share a Module.symvers
# without symbol CRCs, but not their module layout.
[ -r "$kdir/include/generated/autoconf.h" ] || die "$kdir is not configured (no include/generated/autoconf.h)"
key=$( { echo "$srcver"; sha256sum <"$0"; sha256sum <"$kdir/Module.symvers"
	sha256sum <"$kdir/include/generated/autoconf.h"; } | sha256sum | cut -c1-16)
out=$cache/ref-ipoib/$krel

is_built() {
	[ -f "$out/ib_ipoib_ref.ko" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]
}

case "$mode" in
dir) echo "$out"; exit 0 ;;
status) is_built; exit ;;
esac

if is_built; then
	echo "$out"
	exit 0
fi

mkdir -p "$out" || die "cannot create $out"
exec 9>"$out/.lock"
if ! flock -n 9; then
	echo "$me: another build of $out is running; waiting" >&2
	flock 9
fi
if is_built; then
	echo "$out"
	exit 0
fi

src=$("$proj/scripts/linux-source.sh") || die "no linux-source-6.12 tree (scripts/linux-source.sh failed)"
upstream=$src/drivers/infiniband/ulp/ipoib
[ -f "$upstream/ipoib_main.c" ] || die "$upstream/ipoib_main.c missing"

start=$(date +%s)
log=$out/build.log
rm -f "$out/key" "$out/ib_ipoib_ref.ko"
rm -rf "$out/src"
mkdir -p "$out/src"
: >"$log"
echo "$me: building ib_ipoib_ref for $krel from linux-source $srcver (log: $log)" >&2
cp "$upstream"/*.c "$upstream"/*.h "$upstream/Makefile" "$out/src/" ||
	die "cannot copy $upstream"

# rename FILE COUNT FROM TO: replace the literal FROM by TO in FILE, which
# must hold exactly COUNT occurrences (a source that changed fails loudly
# instead of giving a module that still collides).
rename() {
	local f=$out/src/$1 n=$2 from=$3 to=$4 got

	got=$(grep -cF -- "$from" "$f" || true)
	[ "$got" = "$n" ] ||
		die "$1: expected $n line(s) with '$from', found $got (source changed? update $0)"
	FROM=$from TO=$to perl -pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/g' "$f"
	echo "renamed in $1: $from -> $to" >>"$log"
}

rename ipoib_main.c 1 '.name   = "ipoib",' '.name   = "ipoib_ref",'
rename ipoib_main.c 1 '"ipoib_wq"' '"ipoib_ref_wq"'
rename ipoib_main.c 1 '"ipoib_flush"' '"ipoib_ref_flush"'
rename ipoib_netlink.c 1 '.kind		= "ipoib",' '.kind		= "ipoib_ref",'
rename ipoib_netlink.c 1 'MODULE_ALIAS_RTNL_LINK("ipoib");' 'MODULE_ALIAS_RTNL_LINK("ipoib_ref");'
rename ipoib_fs.c 1 'debugfs_create_dir("ipoib", NULL)' 'debugfs_create_dir("ipoib_ref", NULL)'
rename Makefile 1 '+= ib_ipoib.o' '+= ib_ipoib_ref.o'
rename Makefile 1 'ib_ipoib-y' 'ib_ipoib_ref-y'
rename Makefile 2 'ib_ipoib-$(' 'ib_ipoib_ref-$('
# What is left that names the module, a kind or a directory:
left=$(grep -rnE '"ipoib"|"ipoib_wq"|"ipoib_flush"|ib_ipoib[-.]' "$out/src" || true)
[ -z "$left" ] || die "names left unrenamed: $left"
# Out of tree the options come from the command line; tell the sources too
# (identical to the kernel's autoconf.h where it has them).
cat >>"$out/src/Makefile" <<'EOF'

# build-ref-ipoib.sh: the distribution's options, whatever KDIR says.
ccflags-y += -DCONFIG_INFINIBAND_IPOIB_CM=1 -DCONFIG_INFINIBAND_IPOIB_DEBUG=1
EOF

if ! nice -n 10 make -C "$kdir" M="$out/src" -j"$jobs" \
	CONFIG_INFINIBAND_IPOIB=m CONFIG_INFINIBAND_IPOIB_CM=y \
	CONFIG_INFINIBAND_IPOIB_DEBUG=y modules >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "build against $kdir failed (log: $log)"
fi
ko=$out/src/ib_ipoib_ref.ko
[ -f "$ko" ] || die "the build made no ib_ipoib_ref.ko (log: $log)"

# The result must be what was asked for: name, kernel, CM and debug built in.
info=$(modinfo -F name "$ko"; modinfo -F vermagic "$ko"; modinfo -F alias "$ko"; modinfo -p "$ko")
grep -qx ib_ipoib_ref <<<"$info" || die "$ko: module name is not ib_ipoib_ref"
grep -q "^$krel " <<<"$info" || die "$ko: vermagic does not start with $krel"
grep -qx rtnl-link-ipoib_ref <<<"$info" || die "$ko: no rtnl-link-ipoib_ref alias"
grep -q '^max_nonsrq_conn_qp:' <<<"$info" || die "$ko: built without CONFIG_INFINIBAND_IPOIB_CM"
grep -q '^mcast_debug_level:' <<<"$info" || die "$ko: built without CONFIG_INFINIBAND_IPOIB_DEBUG"
if strings "$ko" | grep -qx ipoib; then
	die "$ko still carries the string \"ipoib\""
fi

cp "$ko" "$out/ib_ipoib_ref.ko.tmp"
mv "$out/ib_ipoib_ref.ko.tmp" "$out/ib_ipoib_ref.ko"
echo "$key" >"$out/key"
echo "$me: built $out/ib_ipoib_ref.ko in $(( $(date +%s) - start ))s" | tee -a "$log" >&2
echo "$out"
