#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the guest and the tools the other tests rely on: the guest
# has no way out, namespaces with a veth pair carry IPv4/IPv6 and TCP, the
# RDMA core loads and unloads, softib and ib_ipoib load and unload cleanly
# (skipped while they are not built); ib_ipoib creates one IPoIB device per
# softib port (type 32, 20-byte address: QPN + the port's GID 0) and removes
# them all on rmmod.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

test_isolated()
{
	local d nics=

	# Virtual devices of the kernel config (dummy0, sit0, ...) are fine;
	# a device with a parent bus device is a NIC and could leave the guest.
	for d in /sys/class/net/*; do
		[ -e "$d/device" ] && nics+=" ${d##*/}"
	done
	[ -z "$nics" ]
	check_err $? "the guest has a network adapter:$nics"
	ping -c 1 -W 1 127.0.0.1 >/dev/null
	check_err $? "no loopback"
	log_test "guest has no network adapter"
}

test_veth_ns()
{
	setup_ns va vb || { check_err 1 "setup_ns"; log_test "veth between namespaces"; return; }
	ip link add vv0 netns va type veth peer name vv1 netns vb
	check_err $? "cannot create a veth pair"
	ip -n va addr add 198.51.100.1/24 dev vv0
	ip -n vb addr add 198.51.100.2/24 dev vv1
	ip -n va -6 addr add 2001:db8:1::1/64 dev vv0 nodad
	ip -n vb -6 addr add 2001:db8:1::2/64 dev vv1 nodad
	ip -n va link set vv0 up
	ip -n vb link set vv1 up
	in_ns va ping -c 2 -i 0.2 -W 2 198.51.100.2 >/dev/null
	check_err $? "IPv4 ping over veth failed"
	in_ns va ping -6 -c 2 -i 0.2 -W 2 2001:db8:1::2 >/dev/null
	check_err $? "IPv6 ping over veth failed"
	log_test "veth between namespaces: ping"

	if ! command -v iperf3 >/dev/null; then
		log_test_skip "veth between namespaces: iperf3" "iperf3 not installed"
		return
	fi
	in_ns vb iperf3 -s -1 -D -B 198.51.100.2 >/dev/null 2>&1
	defer pkill -x iperf3
	wait_for 10 bash -c 'ip netns exec vb ss -ltn | grep -q :5201' 2>/dev/null
	in_ns va iperf3 -c 198.51.100.2 -t 1 >/dev/null 2>&1
	check_err $? "iperf3 over veth failed"
	log_test "veth between namespaces: iperf3"
}

test_rdma_core()
{
	modprobe -a ib_core ib_cm ib_umad
	check_err $? "modprobe ib_core ib_cm ib_umad failed"
	lsmod_has ib_cm && lsmod_has ib_umad
	check_err $? "modules not loaded"
	rdma dev show >/dev/null 2>&1
	check_err $? "rdma dev show failed"
	rmmod ib_umad ib_cm && modprobe -r ib_core
	check_err $? "RDMA core does not unload"
	log_test "RDMA core loads and unloads"
}

test_softib_load()
{
	if [ ! -f "$MODDIR/softib.ko" ]; then
		log_test_skip "softib loads" "softib.ko is not built ($MODDIR)"
		return
	fi
	load_softib ports=2
	wait_for 10 test -e /sys/class/infiniband/softib1
	check_err $? "softib1 missing"
	test -e /sys/class/infiniband/softib1/ports/2
	check_err $? "softib1 has no port 2"
	rdma link show >/dev/null
	check_err $? "rdma link show failed"
	log_test "softib loads (2 devices, 2 ports each)"
}

# check_ipoib_netdev IBDEV PORT: the port's IPoIB device in the initial
# namespace has type 32, a 20-byte address whose last 16 bytes are the
# port's GID 0 and whose QPN (bytes 1-3) is not zero.
check_ipoib_netdev()
{
	local ibdev=$1 port=$2 dev addr gid

	dev=$(ipoib_netdev "$ibdev" "$port")
	check_err $? "no IPoIB net device carries the GID of $ibdev port $port"
	[ -n "$dev" ] || return 1
	[ "$(cat "/sys/class/net/$dev/type")" = 32 ]
	(($? == 0)) || check_err 1 "$dev has type $(cat "/sys/class/net/$dev/type"), expected 32"
	[ "$(cat "/sys/class/net/$dev/addr_len")" = 20 ]
	(($? == 0)) || check_err 1 "$dev has addr_len $(cat "/sys/class/net/$dev/addr_len"), expected 20"
	addr=$(hexdigits <"/sys/class/net/$dev/address")
	gid=$(hexdigits <"/sys/class/infiniband/$ibdev/ports/$port/gids/0")
	[ ${#addr} -eq 40 ] && [ "${addr:8}" = "$gid" ]
	(($? == 0)) || check_err 1 "$dev address $(cat "/sys/class/net/$dev/address") does not end in GID $gid"
	[ "${addr:2:6}" != 000000 ]
	(($? == 0)) || check_err 1 "$dev address $(cat "/sys/class/net/$dev/address") has QPN 0"
	log_info "$ibdev port $port: $dev $(cat "/sys/class/net/$dev/address")"
}

test_ipoib_load()
{
	local ibdev port nports=0 ndevs left

	if [ "$IPOIB" = ours ] && [ ! -f "$MODDIR/ib_ipoib.ko" ]; then
		log_test_skip "ib_ipoib loads and unloads" "ib_ipoib.ko is not built ($MODDIR)"
		return
	fi
	if ! lsmod_has softib; then
		log_test_skip "ib_ipoib loads and unloads" "softib is not loaded"
		return
	fi
	[ -z "$(ipoib_netdevs)" ]
	(($? == 0)) || check_err 1 "IPoIB devices exist before ib_ipoib is loaded: $(ipoib_netdevs | tr '\n' ' ')"
	load_ipoib
	lsmod_has ib_ipoib
	check_err $? "ib_ipoib not loaded"
	for ibdev in /sys/class/infiniband/softib*; do
		ibdev=${ibdev##*/}
		for port in /sys/class/infiniband/"$ibdev"/ports/*; do
			port=${port##*/}
			nports=$((nports + 1))
			wait_for 20 ipoib_netdev "$ibdev" "$port" >/dev/null
			check_ipoib_netdev "$ibdev" "$port"
		done
	done
	ndevs=$(ipoib_netdevs | wc -l)
	[ "$ndevs" -eq "$nports" ]
	(($? == 0)) || check_err 1 "$ndevs IPoIB devices for $nports softib ports: $(ipoib_netdevs | tr '\n' ' ')"
	rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib failed"
	left=$(ipoib_netdevs | tr '\n' ' ')
	[ -z "$left" ]
	check_err $? "IPoIB devices left after rmmod: $left"
	log_test "ib_ipoib ($IPOIB) loads: one IPoIB device per port ($nports), gone after rmmod"
}

test_isolated
test_veth_ns
test_rdma_core
test_softib_load
test_ipoib_load
