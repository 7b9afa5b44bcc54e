#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# P_Key child interfaces: a child for P_Key 0x8001 on both sides has no
# carrier and passes nothing while the ports lack the P_Key; once softib
# puts 0x8001 into both ports' P_Key tables the children come up, join the
# partition's broadcast group and ping each other.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A       192.0.2.1 |                 | $IB_B       192.0.2.2 |
#   | $IB_A.8001  192.0.3.1 |                 | $IB_B.8001  192.0.3.2 |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              |  pkeys: 0xffff (+0x8001)                 |  pkeys: 0xffff (+0x8001)
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature pkey-child
require_cmd ping

PKEY=0x8001
C4_A=192.0.3.1
C4_B=192.0.3.2
MGID_BC=ff12:401b:8001:0000:0000:0000:ffff:ffff

# make_child NS PARENT ADDR: create PARENT.8001 and bring it up in NS.
make_child()
{
	local ns=$1 parent=$2 addr=$3 child=$2.8001

	in_ns "$ns" sh -c "echo $PKEY > /sys/class/net/$parent/create_child" || return 1
	defer in_ns "$ns" sh -c "echo $PKEY > /sys/class/net/$parent/delete_child"
	# The child may be created in the initial namespace.
	if ! wait_for 5 ip -n "$ns" link show dev "$child" >/dev/null 2>&1; then
		ip link set dev "$child" netns "$ns" || return 1
	fi
	ip -n "$ns" addr add "$addr/24" dev "$child" || return 1
	ip -n "$ns" link set dev "$child" up
}

test_children_without_pkey()
{
	make_child "$NS_A" "$IB_A" "$C4_A"
	check_err $? "cannot create child $IB_A.8001"
	make_child "$NS_B" "$IB_B" "$C4_B"
	check_err $? "cannot create child $IB_B.8001"
	ip -n "$NS_A" link show dev "$IB_A.8001" | grep -q 'link/infiniband .*80:01:00:00:00:00:00:00:ff:ff:ff:ff'
	check_err $? "broadcast address of $IB_A.8001 does not carry P_Key 0x8001: $(ip -n "$NS_A" link show dev "$IB_A.8001" | tail -n 1)"
	log_test "P_Key children created"

	# No P_Key in the tables: no carrier, no traffic (bounded check).
	! wait_for 3 has_carrier "$NS_A" "$IB_A.8001"
	check_err $? "$IB_A.8001 has carrier although the port lacks P_Key $PKEY"
	in_ns "$NS_A" ping -q -c 2 -i 0.3 -W 1 "$C4_B" >/dev/null 2>&1
	check_fail $? "ping over $IB_A.8001 works although the ports lack P_Key $PKEY"
	log_test "no carrier and no traffic before the P_Key is in the tables"
}

test_children_with_pkey()
{
	local gid_a gid_b

	sib_write "$(sib_port_knob softib0 1 pkeys)" "+$PKEY"
	check_err $? "cannot add $PKEY to softib0 port 1"
	defer sib_write "$(sib_port_knob softib0 1 pkeys)" "-$PKEY"
	sib_write "$(sib_port_knob softib1 1 pkeys)" "+$PKEY"
	check_err $? "cannot add $PKEY to softib1 port 1"
	defer sib_write "$(sib_port_knob softib1 1 pkeys)" "-$PKEY"

	wait_for 30 has_carrier "$NS_A" "$IB_A.8001"
	check_err $? "$IB_A.8001 got no carrier after the P_Key was added"
	wait_for 30 has_carrier "$NS_B" "$IB_B.8001"
	check_err $? "$IB_B.8001 got no carrier after the P_Key was added"
	wait_ping "$NS_A" "$C4_B" 10 && ping_ok "$NS_A" "$C4_B"
	check_err $? "no ping over the P_Key $PKEY children"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "the parent interfaces stopped passing traffic"
	log_test "children ping once P_Key $PKEY is in both tables"

	if [ ! -r "$SIB_DBG/fabric/groups" ]; then
		log_test_skip "both children joined the partition's broadcast group" \
			"softib has no $SIB_DBG/fabric/groups"
		return
	fi
	gid_a=$(sib_gid softib0 1)
	gid_b=$(sib_gid softib1 1)
	sib_group_has_member "$MGID_BC" "$gid_a" 1 && sib_group_has_member "$MGID_BC" "$gid_b" 1
	check_err $? "both ports are not full members of $MGID_BC: $(sib_groups | grep "^$MGID_BC" || echo 'no group')"
	log_test "both children joined the partition's broadcast group"
}

ib_pair_setup
require_sib_knob "$(sib_port_knob softib0 1 pkeys)"
test_children_without_pkey
test_children_with_pkey
