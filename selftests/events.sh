#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port and SM events: link down drops carrier and traffic, link up restores
# both; an SM client reregister, an SM handover and an SM restart (the SA
# forgets every membership) leave traffic working and the broadcast group
# rejoined; a LID change (followed by the SM's reregister) recovers.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |                 | $IB_B  192.0.2.2/24   |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1 (link, lid)
#              +========= softib fabric (fabric/sm) ======+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping

RECOVER=${RECOVER:-15}
BCAST=ff12:401b:ffff:0000:0000:0000:ffff:ffff

# recovered WHAT: both directions ping within RECOVER seconds; logs the time.
recovered()
{
	local start=$SECONDS

	wait_ping "$NS_A" "$IP4_B" "$RECOVER" && wait_ping "$NS_B" "$IP4_A" 5 &&
		wait_ping "$NS_A" "$IP6_B" 5
	local rc=$?
	log_info "$1: traffic back after $((SECONDS - start)) s (rc $rc)"
	return $rc
}

both_in_bcast()
{
	sib_group_has_member "$BCAST" "$(sib_gid softib0 1)" 1 &&
		sib_group_has_member "$BCAST" "$(sib_gid softib1 1)" 1
}

test_link()
{
	local link

	link=$(sib_port_knob softib1 1 link)
	sib_write "$link" down
	check_err $? "cannot set the link down"
	defer sib_write "$link" up
	wait_for 10 no_carrier "$NS_B" "$IB_B"
	check_err $? "$IB_B kept its carrier with the link down"
	ping_once "$NS_A" "$IP4_B"
	check_fail $? "ping a->b answered with b's link down"
	log_test "link down: carrier and traffic gone"

	sib_write "$link" up
	wait_for "$RECOVER" has_carrier "$NS_B" "$IB_B"
	check_err $? "$IB_B got no carrier back within $RECOVER s of link up"
	recovered "link up"
	check_err $? "no traffic within $RECOVER s of link up"
	log_test "link up: carrier and traffic restored"
}

# sm_case ACTION: one fabric/sm action with traffic checked afterwards.
sm_case()
{
	sib_write "$SIB_DBG/fabric/sm" "$1"
	check_err $? "fabric/sm $1 failed"
	recovered "sm $1"
	check_err $? "no traffic within $RECOVER s of sm $1"
	if [ -r "$SIB_DBG/fabric/groups" ]; then
		wait_for "$RECOVER" both_in_bcast
		check_err $? "broadcast group not rejoined by both ports after sm $1: $(sib_groups | grep "^$BCAST")"
	fi
	log_test "sm $1: traffic keeps working"
}

# A LID change only reaches the port that changed (its normal flush); the
# peers keep address handles with the old DLID until the SM tells every port
# to reregister, as a real SM does after reassigning LIDs.
test_lid_change()
{
	local knob old new

	knob=$(sib_port_knob softib1 1 lid)
	old=$(cat "$knob")
	new=$((old + 40))
	sib_write "$knob" "$new"
	check_err $? "cannot change the LID $old -> $new"
	defer sib_write "$knob" "$old"
	[ "$(cat /sys/class/infiniband/softib1/ports/1/lid)" = "$(printf '0x%x' "$new")" ]
	check_err $? "port lid is $(cat /sys/class/infiniband/softib1/ports/1/lid), expected $new"
	wait_for "$RECOVER" has_carrier "$NS_B" "$IB_B"
	check_err $? "$IB_B has no carrier $RECOVER s after its LID changed"
	sib_write "$SIB_DBG/fabric/sm" reregister
	check_err $? "fabric/sm reregister failed"
	recovered "lid change + reregister"
	check_err $? "no traffic within $RECOVER s of the LID change and reregister"
	log_test "LID change $old -> $new (+ SM reregister): traffic recovers"
}

ib_pair_setup
require_sib_knob "$(sib_port_knob softib1 1 link)"
test_link
sm_case reregister
sm_case handover
sm_case restart
test_lid_change
