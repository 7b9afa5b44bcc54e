#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPoIB connected mode (RFC 4755): switching both ends to connected raises
# the MTU to 65520, big packets and TCP flow over RC connections, and
# switching back to datagram restores the datagram MTU.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |    RC (CM)      | $IB_B  192.0.2.2/24   |
#   | mode connected        |<--------------->| mode connected        |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature connected
require_cmd ping iperf3 ss

# set_mode NS DEV MODE
set_mode()
{
	log_info "ip netns exec $1 echo $3 > /sys/class/net/$2/mode"
	in_ns "$1" sh -c "echo $3 > /sys/class/net/$2/mode"
}

get_mode()
{
	in_ns "$1" cat "/sys/class/net/$2/mode"
}

test_to_connected()
{
	local ns dev

	for ns in "$NS_A" "$NS_B"; do
		dev=$IB_A
		[ "$ns" = "$NS_B" ] && dev=$IB_B
		set_mode "$ns" "$dev" connected
		check_err $? "cannot switch $dev to connected mode"
		[ "$(get_mode "$ns" "$dev")" = connected ]
		check_err $? "$dev mode reads '$(get_mode "$ns" "$dev")'"
		[ "$(ib_mtu "$ns" "$dev")" = 65520 ]
		check_err $? "$dev MTU is $(ib_mtu "$ns" "$dev") in connected mode, expected 65520"
	done
	log_test "switch to connected mode: MTU 65520"
}

test_connected_traffic()
{
	local out rate

	wait_ping "$NS_A" "$IP4_B" 10
	check_err $? "no IPv4 ping in connected mode"
	ping_ok "$NS_A" "$IP4_B" -s 65000 -M "do"
	check_err $? "IPv4 ping -s 65000 -M do failed in connected mode"
	ping_ok "$NS_A" "$IP4_B" -s 30000 -M "do"
	check_err $? "IPv4 ping -s 30000 -M do failed in connected mode"
	ping_ok "$NS_A" "$IP6_B" -s 60000
	check_err $? "IPv6 ping -s 60000 failed in connected mode"
	log_test "connected mode: ping with 30000..65000-byte packets"

	out=$(mktemp)
	defer rm -f "$out"
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$out" -t 3
	check_err $? "iperf3 TCP failed in connected mode: $(tail -n 3 "$out")"
	rate=$(iperf3_rate "$out")
	log_info "iperf3 tcp connected a->b: ${rate:-0} Mbit/s"
	awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }'
	check_err $? "no throughput in connected mode"
	log_test "connected mode: iperf3 TCP"
}

test_back_to_datagram()
{
	set_mode "$NS_A" "$IB_A" datagram
	check_err $? "cannot switch $IB_A back to datagram"
	set_mode "$NS_B" "$IB_B" datagram
	check_err $? "cannot switch $IB_B back to datagram"
	[ "$(get_mode "$NS_A" "$IB_A")" = datagram ]
	check_err $? "$IB_A mode reads '$(get_mode "$NS_A" "$IB_A")'"
	[ "$(ib_mtu "$NS_A" "$IB_A")" = "$DGRAM_MTU" ]
	check_err $? "$IB_A MTU is $(ib_mtu "$NS_A" "$IB_A") after datagram, expected $DGRAM_MTU"
	wait_ping "$NS_A" "$IP4_B" 10 && ping_ok "$NS_A" "$IP4_B" -s $((DGRAM_MTU - 28)) -M "do"
	check_err $? "no full-size ping back in datagram mode"
	log_test "back to datagram mode: MTU $DGRAM_MTU, traffic flows"
}

ib_pair_setup
DGRAM_MTU=$(ib_mtu "$NS_A" "$IB_A")
test_to_connected
test_connected_traffic
test_back_to_datagram
