#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the guest and the tools the other tests rely on: the guest
# has no way out, namespaces with a veth pair carry IPv4/IPv6 and TCP, the
# RDMA core loads and unloads, softib and ib_ipoib load and unload cleanly
# (skipped while they are not built).
source "$(dirname "$0")/lib.sh"

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
	load_softib
	wait_for 10 test -e /sys/class/infiniband/softib1
	check_err $? "softib1 missing"
	rdma link show >/dev/null
	check_err $? "rdma link show failed"
	log_test "softib loads (2 devices)"
}

test_ipoib_load()
{
	if [ "$IPOIB" = ours ] && [ ! -f "$MODDIR/ib_ipoib.ko" ]; then
		log_test_skip "ib_ipoib loads and unloads" "ib_ipoib.ko is not built ($MODDIR)"
		return
	fi
	load_ipoib
	lsmod_has ib_ipoib
	check_err $? "ib_ipoib not loaded"
	rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib failed"
	log_test "ib_ipoib ($IPOIB) loads and unloads"
}

test_isolated
test_veth_ns
test_rdma_core
test_softib_load
test_ipoib_load
