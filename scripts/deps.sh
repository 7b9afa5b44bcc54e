#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the project needs to build and test (Debian 12).  Idempotent:
# when everything is present it only asks dpkg and returns.
set -euo pipefail

pkgs=(
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	build-essential bc flex bison libelf-dev libssl-dev cpio xz-utils rsync
	qemu-system-x86 busybox-static kmod iproute2 ethtool procps iputils-ping
	rdma-core infiniband-diags ibverbs-utils iperf3 tcpdump socat sparse
	perl python3 git util-linux
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[ "${st:0:2}" = "ii" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
