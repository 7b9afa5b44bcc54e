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
	perl python3 git util-linux gnuplot-nox opensm
	network-manager dnsmasq-base udev dbus-daemon systemd
)

# NetworkManager is here for the guests (selftests/nm.sh, dhcp.sh), which
# start it themselves.  Installed on a machine that did not have it, its
# service must not start there and take over the machine's network: a
# policy-rc.d refusing every start covers the installation, and the
# service is disabled afterwards.
NM_UNITS=(NetworkManager.service NetworkManager-wait-online.service
	NetworkManager-dispatcher.service)

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
new_nm=0
[[ " ${missing[*]} " != *" network-manager "* ]] || new_nm=1
policy=/usr/sbin/policy-rc.d
if [ "$new_nm" = 1 ] && [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# scripts/deps.sh: no service starts while it installs\nexit 101\n' |
		$sudo tee "$policy" >/dev/null
	$sudo chmod 0755 "$policy"
	trap '$sudo rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
if [ "$new_nm" = 1 ] && [ -d /run/systemd/system ]; then
	$sudo systemctl disable --now "${NM_UNITS[@]}" >/dev/null 2>&1 || :
fi
