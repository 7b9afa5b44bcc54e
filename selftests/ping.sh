#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv4/IPv6 ping over IPoIB: small, largest unfragmented (DF), fragmented,
# and the neighbour entries carry the peer's 20-byte IPoIB address.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A                 |                 | $IB_B                 |
#   | 192.0.2.1/24          |                 | 192.0.2.2/24          |
#   | 2001:db8::1/64        |                 | 2001:db8::2/64        |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping

test_small()
{
	ping_ok "$NS_A" "$IP4_B" -s 56
	check_err $? "IPv4 ping 56 bytes a->b failed"
	ping_ok "$NS_B" "$IP4_A" -s 56
	check_err $? "IPv4 ping 56 bytes b->a failed"
	log_test "IPv4 ping, 56 bytes"

	ping_ok "$NS_A" "$IP6_B" -s 56
	check_err $? "IPv6 ping 56 bytes a->b failed"
	ping_ok "$NS_B" "$IP6_A" -s 56
	check_err $? "IPv6 ping 56 bytes b->a failed"
	log_test "IPv6 ping, 56 bytes"
}

# The largest payload that fits the MTU unfragmented passes with DF set;
# one byte more is refused locally (message too long).
test_max_unfragmented()
{
	local mtu max4 max6

	mtu=$(ib_mtu "$NS_A" "$IB_A")
	max4=$((mtu - 28))
	max6=$((mtu - 48))
	log_info "MTU $mtu: IPv4 payload $max4, IPv6 payload $max6"

	ping_ok "$NS_A" "$IP4_B" -s "$max4" -M "do"
	check_err $? "IPv4 ping -s $max4 -M do failed"
	ping_ok "$NS_A" "$IP4_B" -s $((max4 + 1)) -M "do"
	check_fail $? "IPv4 ping -s $((max4 + 1)) -M do passed although it exceeds MTU $mtu"
	log_test "IPv4 ping, largest unfragmented ($max4 bytes, DF)"

	ping_ok "$NS_A" "$IP6_B" -s "$max6" -M "do"
	check_err $? "IPv6 ping -s $max6 -M do failed"
	ping_ok "$NS_A" "$IP6_B" -s $((max6 + 1)) -M "do"
	check_fail $? "IPv6 ping -s $((max6 + 1)) -M do passed although it exceeds MTU $mtu"
	log_test "IPv6 ping, largest unfragmented ($max6 bytes, DF)"
}

test_fragmented()
{
	local mtu size

	mtu=$(ib_mtu "$NS_A" "$IB_A")
	size=$((mtu * 3 + 100))
	ping_ok "$NS_A" "$IP4_B" -s "$size" -M dont
	check_err $? "IPv4 ping -s $size (fragmented) failed"
	log_test "IPv4 ping, $size bytes fragmented"

	ping_ok "$NS_A" "$IP6_B" -s "$size"
	check_err $? "IPv6 ping -s $size (fragmented) failed"
	log_test "IPv6 ping, $size bytes fragmented"
}

# neigh_lladdr NS ADDR DEV: the link-layer address of a neighbour entry.
neigh_lladdr()
{
	ip -n "$1" neigh show "$2" dev "$3" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

test_neigh()
{
	local addr_b addr_a got bytes

	addr_b=$(ib_addr "$NS_B" "$IB_B")
	addr_a=$(ib_addr "$NS_A" "$IB_A")
	bytes=$(echo "$addr_b" | tr ':' '\n' | grep -c .)
	[ "$bytes" -eq 20 ]
	check_err $? "link address of $IB_B has $bytes bytes, expected 20: $addr_b"

	ping_ok "$NS_A" "$IP4_B"
	got=$(neigh_lladdr "$NS_A" "$IP4_B" "$IB_A")
	[ "$got" = "$addr_b" ]
	check_err $? "ARP entry for $IP4_B is '$got', expected $addr_b"
	got=$(neigh_lladdr "$NS_B" "$IP4_A" "$IB_B")
	[ "$got" = "$addr_a" ]
	check_err $? "ARP entry for $IP4_A is '$got', expected $addr_a"
	log_test "IPv4 neighbour has the peer's 20-byte address"

	ping_ok "$NS_A" "$IP6_B"
	got=$(neigh_lladdr "$NS_A" "$IP6_B" "$IB_A")
	[ "$got" = "$addr_b" ]
	check_err $? "ND entry for $IP6_B is '$got', expected $addr_b"
	log_test "IPv6 neighbour has the peer's 20-byte address"
}

ib_pair_setup
test_small
test_max_unfragmented
test_fragmented
test_neigh
