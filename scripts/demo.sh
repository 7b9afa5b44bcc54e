#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: build everything, boot a guest with the software fabric (softib,
# two devices), our ib_ipoib, ib0/ib1 in namespaces a and b, and show ping
# and iperf3 in datagram and connected mode; then one interop exchange:
# ours on one host and the distribution's driver (renamed ib_ipoib_ref by
# scripts/build-ref-ipoib.sh) on the other, pinging each way.
# IPOIB=reference shows the distribution's driver in the first part;
# KERNEL=debug uses the debug kernel.
set -uo pipefail
proj=$(cd "$(dirname "$0")/.." && pwd)
cd "$proj" || exit 1

if [ "${1:-}" != --guest ]; then
	./scripts/deps.sh || exit 1
	kernel=${KERNEL:-stock}
	kdir=
	if [ "$kernel" = debug ]; then
		kdir=$(selftests/vm/build-debug-kernel.sh)/build || exit 1
	fi
	echo "demo: building the modules"
	make -s --no-print-directory ${kdir:+KDIR="$kdir"} || exit 1
	echo "demo: building the renamed reference (ib_ipoib_ref) for the interop part"
	scripts/build-ref-ipoib.sh ${kdir:+--kdir "$kdir"} >/dev/null || exit 1
	echo "demo: booting a $kernel guest (TCG; ~10 s)"
	exec selftests/vm/run-guest --kernel "$kernel" --timeout 900 \
		--env IPOIB="${IPOIB:-ours}" -- scripts/demo.sh --guest
fi

# ---- inside the guest
KTAP_QUIET=1
# shellcheck source=selftests/lib.sh
source "$proj/selftests/lib.sh"
summary=()
failed=0

say() { printf '\n=== %s\n' "$*"; }
row() { summary+=("$(printf '%-10s %-22s %s' "$1" "$2" "$3")"); }

# ping_row MODE NS DST LABEL
ping_row() {
	local out loss rtt

	out=$(in_ns "$2" ping -c 5 -i 0.2 -W 2 "$3" 2>&1)
	echo "$out" | tail -n 2
	loss=$(echo "$out" | grep -o '[0-9.]*% packet loss')
	rtt=$(echo "$out" | awk -F'/' '/^rtt|^round-trip/ { print $5 " ms avg" }')
	row "$1" "$4" "${loss:-no reply}${rtt:+, $rtt}"
	[ "$loss" = "0% packet loss" ] || failed=1
}

# iperf_row MODE LABEL [IPERF3 ARGS]
iperf_row() {
	local mode=$1 label=$2 out rate

	shift 2
	in_ns "$NS_B" iperf3 -s -1 -D -B "$IP4_B" >/dev/null 2>&1
	wait_for 10 bash -c "ip netns exec $NS_B ss -ltn | grep -q :5201"
	out=$(in_ns "$NS_A" iperf3 -c "$IP4_B" -t 5 -f m "$@" 2>&1)
	echo "$out" | grep -E 'sender|receiver' | tail -n 2
	rate=$(echo "$out" | awk '/receiver/ {
		for (i = 2; i <= NF; i++) if ($i ~ /bits\/sec$/) r = $(i - 1) " " $i
		if ($0 ~ /%\)/) r = r ", lost " $(NF - 2) " " $(NF - 1)
	} END { print r }')
	row "$mode" "$label" "${rate:-failed}"
	[ -n "$rate" ] || failed=1
	pkill -x iperf3 2>/dev/null
}

run_mode() {
	local mode=$1

	say "$mode mode: $(in_ns "$NS_A" cat "/sys/class/net/$IB_A/mode" 2>/dev/null), MTU $(in_ns "$NS_A" cat "/sys/class/net/$IB_A/mtu")"
	ping_row "$mode" "$NS_A" "$IP4_B" "ping IPv4"
	ping_row "$mode" "$NS_A" "$IP6_B" "ping IPv6"
	iperf_row "$mode" "iperf3 TCP a->b"
	iperf_row "$mode" "iperf3 UDP a->b 100M" -u -b 100M
}

say "loading softib (2 devices, 1 port each) and ib_ipoib ($IPOIB)"
ib_pair_setup
rdma link show 2>/dev/null
say "namespace $NS_A"
in_ns "$NS_A" ip -br addr show dev "$IB_A"
in_ns "$NS_A" ip -d link show dev "$IB_A" | head -n 3
say "namespace $NS_B"
in_ns "$NS_B" ip -br addr show dev "$IB_B"

run_mode datagram

if has_feature connected; then
	ok=1
	for side in "$NS_A:$IB_A" "$NS_B:$IB_B"; do
		in_ns "${side%%:*}" sh -c "echo connected > /sys/class/net/${side#*:}/mode" || ok=0
		in_ns "${side%%:*}" ip link set dev "${side#*:}" mtu 65520 || ok=0
	done
	if [ "$ok" = 1 ]; then
		run_mode connected
	else
		row connected "switch to connected" "FAILED"
		failed=1
	fi
else
	row connected "(all)" "skipped: IPOIB=ours does not implement connected mode yet"
fi

# Interop: ours <-> the reference in one kernel, addresses and pings.
lib_cleanup
say "interop: ours on one host, the reference (ib_ipoib_ref) on the other"
if INTEROP_QUICK=1 IPOIB=ours bash "$proj/selftests/interop.sh" >/tmp/interop.out 2>&1; then
	row interop "ours <-> reference" "ARP/ND and ping both ways: ok ($(grep -c '^ok' /tmp/interop.out) checks)"
else
	grep -E '^(not ok|# )' /tmp/interop.out | head -n 20
	row interop "ours <-> reference" "FAILED"
	failed=1
fi
grep -E '^ok' /tmp/interop.out | sed 's/^/  /'

say "summary ($IPOIB ib_ipoib, kernel $(uname -r))"
printf '%s\n' "${summary[@]}"
[ "$failed" = 0 ] && echo "demo: OK" || echo "demo: FAILED"
exit "$failed"
