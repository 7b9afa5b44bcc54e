#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagram-mode MTU rules (reference-behaviour.md 1.7):
#  - the fabric's MTU gives the IPoIB MTU: IB MTU 4096 -> 4092, 2048 -> 2044
#    (IB MTU minus the 4-byte IPoIB header); the broadcast group's MTU
#    limits it further (a 2048 group on a 4096 port: 2044);
#  - `ip link set mtu` accepts up to the port's limit and the interface
#    uses the smaller of that and the group's; above the port's limit:
#    EINVAL, nothing changed;
#  - an MTU the administrator chose survives rejoins, flushes and SM
#    events, and applies in full once the group allows it; an MTU left
#    at the group's value follows the group;
#  - a broadcast group with an invalid MTU code is not joined (retried,
#    counted), one above the port's MTU is clamped to the port's.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |                 | $IB_B  192.0.2.2/24   |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +== softib fabric (mtu=, fabric/bcast_mtu) +
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping ethtool

RECOVER=${RECOVER:-15}
BMTU=$SIB_DBG/fabric/bcast_mtu
SM=$SIB_DBG/fabric/sm

# setup PORT_MTU: softib with that port MTU, then the pair.
setup()
{
	load_softib mtu="$1"
	ib_pair_setup
}

# mtu_is NS DEV WANT
mtu_is()
{
	[ "$(ib_mtu "$1" "$2")" = "$3" ]
}

# mtu_not NS DEV MTU: the MTU is not MTU.
mtu_not()
{
	! mtu_is "$@"
}

# set_mtu MTU: on a; prints the error, returns ip's status.
set_mtu()
{
	ip -n "$NS_A" link set dev "$IB_A" mtu "$1" 2>&1
}

# group_mtu SETTING: the group gets a new MTU (fabric/bcast_mtu) and the SM
# restarts, so the SA creates it again and both ports rejoin.
group_mtu()
{
	sib_write "$BMTU" "0xffff $1" && sib_write "$SM" restart &&
		wait_for "$RECOVER" sib_both_in_bcast &&
		wait_for "$RECOVER" has_carrier "$NS_A" "$IB_A"
}

# The MTU settles after a rejoin: wait until it reads WANT and stays so.
settles_at()
{
	wait_for "$RECOVER" mtu_is "$NS_A" "$IB_A" "$1" || return 1
	! wait_for 2 mtu_not "$NS_A" "$IB_A" "$1"
}

# fabric_case IB_MTU: the port and the group have the same MTU.
fabric_case()
{
	local ibmtu=$1 want=$(($1 - 4)) mtu err

	mtu_is "$NS_A" "$IB_A" "$want"
	(($? == 0)) || check_err 1 "MTU of $IB_A is $(ib_mtu "$NS_A" "$IB_A"), expected $want"
	mtu_is "$NS_B" "$IB_B" "$want"
	(($? == 0)) || check_err 1 "MTU of $IB_B is $(ib_mtu "$NS_B" "$IB_B"), expected $want"
	ping_ok "$NS_A" "$IP4_B" -s $((want - 28)) -M "do"
	check_err $? "ping with a full $want-byte packet failed"
	log_test "fabric MTU $ibmtu: IPoIB MTU $want"

	err=$(set_mtu $((want + 1)))
	(($? != 0)) || check_fail 0 "ip link set mtu $((want + 1)) succeeded"
	echo "$err" | grep -qiE 'invalid argument|greater than device maximum'
	(($? == 0)) || check_err 1 "ip link set mtu $((want + 1)) did not fail with EINVAL: $err"
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	[ "$mtu" = "$want" ]
	check_err $? "MTU changed to $mtu by a rejected request"
	set_mtu 65520 >/dev/null
	check_fail $? "ip link set mtu 65520 succeeded in datagram mode"
	log_test "fabric MTU $ibmtu: MTU $((want + 1)) rejected with EINVAL, unchanged"

	set_mtu 1500
	check_err $? "ip link set mtu 1500 failed"
	mtu_is "$NS_A" "$IB_A" 1500
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") after setting 1500"
	ping_ok "$NS_A" "$IP4_B" -s $((1500 - 28)) -M "do"
	check_err $? "ping with a full 1500-byte packet failed"
	ping_ok "$NS_A" "$IP4_B" -s $((1500 - 27)) -M "do"
	check_fail $? "a 1501-byte packet went out with DF at MTU 1500"
	set_mtu "$want"
	check_err $? "setting the MTU back to $want failed"
	mtu_is "$NS_A" "$IB_A" "$want"
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") after setting $want back"
	log_test "fabric MTU $ibmtu: smaller MTU accepted and used, limit restorable"
}

# A 2048-byte broadcast group on 4096-byte ports.
group_case()
{
	local ev err

	group_mtu 2048
	check_err $? "no rejoin after the group became 2048"
	settles_at 2044
	mtu_is "$NS_A" "$IB_A" 2044 && mtu_is "$NS_B" "$IB_B" 2044
	(($? == 0)) || check_err 1 "MTUs are $(ib_mtu "$NS_A" "$IB_A")/$(ib_mtu "$NS_B" "$IB_B"), expected 2044 from the group"
	ping_ok "$NS_A" "$IP4_B" -s $((2044 - 28)) -M "do"
	check_err $? "ping with a full 2044-byte packet failed"
	log_test "2048 group on 4096 ports: IPoIB MTU 2044"

	err=$(set_mtu 4092)
	check_err $? "ip link set mtu 4092 (the port's limit) refused: $err"
	mtu_is "$NS_A" "$IB_A" 2044
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") with 4092 asked on a 2048 group, expected 2044"
	set_mtu 4093 >/dev/null
	check_fail $? "ip link set mtu 4093 (above the port's limit) succeeded"
	mtu_is "$NS_A" "$IB_A" 2044
	(($? == 0)) || check_err 1 "a refused MTU changed the MTU to $(ib_mtu "$NS_A" "$IB_A")"
	log_test "2048 group: up to the port's limit accepted, the group's applies"

	set_mtu 3000
	check_err $? "ip link set mtu 3000 refused"
	mtu_is "$NS_A" "$IB_A" 2044
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") with 3000 asked on a 2048 group"
	sib_write "$SM" reregister
	wait_for "$RECOVER" sib_both_in_bcast
	group_mtu 4096
	check_err $? "no rejoin after the group became 4096"
	settles_at 3000
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") once the group allows 3000 (asked for before a rejoin)"
	group_mtu 2048
	check_err $? "no rejoin after the group became 2048 again"
	settles_at 2044
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") on the 2048 group again, expected 2044"
	log_test "an MTU asked for above the group's applies once the group grows"

	set_mtu 1500
	check_err $? "ip link set mtu 1500 refused"
	for ev in reregister handover restart; do
		sib_write "$SM" "$ev"
		wait_for "$RECOVER" sib_both_in_bcast
		settles_at 1500
		(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") after sm $ev, expected 1500"
	done
	sib_write "$(sib_port_knob softib0 1 link)" down
	wait_for 10 no_carrier "$NS_A" "$IB_A"
	sib_write "$(sib_port_knob softib0 1 link)" up
	wait_for "$RECOVER" has_carrier "$NS_A" "$IB_A"
	check_err $? "no carrier after the link came back"
	settles_at 1500
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") after a link flap, expected 1500"
	group_mtu 4096
	settles_at 1500
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") after the group grew, expected 1500"
	log_test "an MTU below the group's survives SM events, link flaps and group changes"

	set_mtu 4092
	check_err $? "ip link set mtu 4092 refused"
	group_mtu 2048
	settles_at 2044
	(($? == 0)) || check_err 1 "MTU at the group's value did not follow the group down: $(ib_mtu "$NS_A" "$IB_A")"
	group_mtu 4096
	settles_at 4092
	(($? == 0)) || check_err 1 "MTU at the group's value did not follow the group up: $(ib_mtu "$NS_A" "$IB_A")"
	log_test "an MTU at the group's value follows the group"
}

# ethtool_stat DEV NAME (in ns a)
ethtool_stat()
{
	in_ns "$NS_A" ethtool -S "$1" 2>/dev/null | awk -v n="$2:" '$1 == n { print $2 }'
}

# The SA hands out a broadcast group whose MTU code (7) means nothing.
test_invalid_group_mtu()
{
	local n

	# Both interfaces restart on the new group, carrier off until joined.
	sib_write "$BMTU" "0xffff code=7" && sib_write "$SM" restart
	check_err $? "cannot set MTU code 7"
	ip -n "$NS_A" link set dev "$IB_A" down && ip -n "$NS_A" link set dev "$IB_A" up &&
		ip -n "$NS_B" link set dev "$IB_B" down && ip -n "$NS_B" link set dev "$IB_B" up
	check_err $? "cannot restart the interfaces"
	xfail_reference "joins a group with an invalid MTU code and uses a garbage MTU"
	! wait_for 5 has_carrier "$NS_A" "$IB_A"
	check_err $? "$IB_A has carrier on a broadcast group with MTU code 7"
	mtu_is "$NS_A" "$IB_A" 4092
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") with an invalid group MTU, expected the port's 4092"
	set_mtu 65520 >/dev/null
	check_fail $? "ip link set mtu 65520 accepted with an invalid group MTU"
	if [ "$IPOIB" = ours ]; then
		n=$(ethtool_stat "$IB_A" mcast_bad_group_mtu)
		[ "${n:-0}" -ge 1 ]
		check_err $? "mcast_bad_group_mtu is '${n:-missing}' after joins with MTU code 7"
	fi
	log_test "broadcast group with MTU code 7: not joined, counted, MTU sane"

	sib_write "$BMTU" "0xffff default"
	sib_write "$SM" restart
	wait_for "$RECOVER" has_carrier "$NS_A" "$IB_A" && wait_for "$RECOVER" has_carrier "$NS_B" "$IB_B"
	check_err $? "no carrier within $RECOVER s of a valid group MTU"
	mtu_is "$NS_A" "$IB_A" 4092
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") on a valid 4096 group"
	wait_ping "$NS_A" "$IP4_B" "$RECOVER"
	check_err $? "no traffic once the group MTU is valid"
	log_test "valid group MTU again: joined, traffic flows"
}

# A 4096-byte group on 2048-byte ports (an SM that gets it wrong): the
# receive buffers are sized for the port, so the port's MTU applies.
above_port_case()
{
	group_mtu 4096
	check_err $? "no rejoin after the group became 4096"
	settles_at 2044
	mtu_is "$NS_A" "$IB_A" 2044
	(($? == 0)) || check_err 1 "MTU is $(ib_mtu "$NS_A" "$IB_A") on 2048 ports with a 4096 group, expected 2044"
	ping_ok "$NS_A" "$IP4_B" -s $((2044 - 28)) -M "do"
	check_err $? "ping with a full 2044-byte packet failed"
	log_test "4096 group on 2048 ports: clamped to the port, 2044"
}

# Two fabrics, one softib load each; the group's MTU changes through
# fabric/bcast_mtu and an SM restart.
setup 4096
require_sib_knob "$BMTU"
fabric_case 4096
group_case
test_invalid_group_mtu
lib_cleanup
setup 2048
fabric_case 2048
above_port_case
