#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagram-mode MTU follows the fabric: IB MTU 4096 -> 4092, 2048 -> 2044
# (IB MTU minus the 4-byte IPoIB header).  `ip link set mtu` above that
# limit fails with EINVAL and changes nothing; a smaller MTU is accepted
# and used.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |                 | $IB_B  192.0.2.2/24   |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +====== softib fabric, mtu=4096 then 2048 =+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping

# fabric_case IB_MTU: the checks for one fabric MTU.
fabric_case()
{
	local ibmtu=$1 want=$(($1 - 4)) mtu err

	ib_pair_setup mtu="$ibmtu"
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	[ "$mtu" = "$want" ]
	check_err $? "MTU of $IB_A is $mtu, expected $want"
	mtu=$(ib_mtu "$NS_B" "$IB_B")
	[ "$mtu" = "$want" ]
	check_err $? "MTU of $IB_B is $mtu, expected $want"
	ping_ok "$NS_A" "$IP4_B" -s $((want - 28)) -M "do"
	check_err $? "ping with a full $want-byte packet failed"
	log_test "fabric MTU $ibmtu: IPoIB MTU $want"

	err=$(ip -n "$NS_A" link set dev "$IB_A" mtu $((want + 1)) 2>&1)
	check_fail $? "ip link set mtu $((want + 1)) succeeded"
	echo "$err" | grep -qiE 'invalid argument|greater than device maximum'
	check_err $? "ip link set mtu $((want + 1)) did not fail with EINVAL: $err"
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	[ "$mtu" = "$want" ]
	check_err $? "MTU changed to $mtu by a rejected request"
	ip -n "$NS_A" link set dev "$IB_A" mtu 65520 2>/dev/null
	check_fail $? "ip link set mtu 65520 succeeded in datagram mode"
	log_test "fabric MTU $ibmtu: MTU $((want + 1)) rejected with EINVAL, unchanged"

	ip -n "$NS_A" link set dev "$IB_A" mtu 1500
	check_err $? "ip link set mtu 1500 failed"
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	[ "$mtu" = 1500 ]
	check_err $? "MTU is $mtu after setting 1500"
	ping_ok "$NS_A" "$IP4_B" -s $((1500 - 28)) -M "do"
	check_err $? "ping with a full 1500-byte packet failed"
	ping_ok "$NS_A" "$IP4_B" -s $((1500 - 27)) -M "do"
	check_fail $? "a 1501-byte packet went out with DF at MTU 1500"
	ip -n "$NS_A" link set dev "$IB_A" mtu "$want"
	check_err $? "setting the MTU back to $want failed"
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	[ "$mtu" = "$want" ]
	check_err $? "MTU is $mtu after setting $want back"
	log_test "fabric MTU $ibmtu: smaller MTU accepted and used, limit restorable"
	lib_cleanup
}

fabric_case 4096
fabric_case 2048
