#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IPoIB side of the vendor offload contract (rdma_netdev) beyond
# enhanced.sh, on softib with enhanced=1:
#   - the counters of `ip -s link` are the vendor's (ndo_get_stats64 of
#     the vendor's netdev ops, which IPoIB keeps under its own)
#   - a sysfs create_child child is made through the contract (the
#     vendor's ethtool -i) and talks to an rtnetlink child of the peer;
#     delete_child removes it
#   - `ip link set ... type ipoib mode connected` is refused, the mode stays
#     datagram and traffic flows; ours says why in the netlink extack
#   - the HCA removed (rmmod softib) under traffic over P_Key children of
#     both kinds: every IPoIB device goes, no splat
#
#   ns a                                      ns b
#   $IB_A 192.0.2.1, $IB_A.8002 192.0.4.1     $IB_B 192.0.2.2, .8002 192.0.4.2
#        | softib0 port 1 (enhanced)               | softib1 port 1 (enhanced)
#        +========== softib fabric (enhanced=1) + SM/SA ==========+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ethtool ping

PKEY=0x8002
C4_A=192.0.4.1
C4_B=192.0.4.2
WAIT=30
DRIVER='softib[ib_ipoib]'

ERRF=$(mktemp)
defer rm -f "$ERRF"

# dev_gone DEV: DEV no longer exists in ns a nor in the initial one.
dev_gone()
{
	! link_ns "$1" "$NS_A" "" >/dev/null
}

# sysfs_child: create_child $PKEY on $IB_A; the child is moved to ns a when
# it appears in the initial namespace (the distribution's driver puts it
# there), then addressed and brought up.
sysfs_child()
{
	local ca=$IB_A.${PKEY#0x} err from

	err=$(ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/create_child" "$PKEY") ||
		{ log_info "create_child $PKEY on $IB_A: $err"; return 1; }
	from=$(wait_for 5 link_ns "$ca" "$NS_A" "") || return 1
	if [ "$from" != "$NS_A" ]; then
		ip link set dev "$ca" netns "$NS_A" || return 1
	fi
	ip -n "$NS_A" addr add "$C4_A/24" dev "$ca" &&
		ip -n "$NS_A" link set dev "$ca" up
}

test_counters()
{
	local rx0 tx0 rx1 tx1

	rx0=$(ib_stat "$NS_B" "$IB_B" rx_packets)
	tx0=$(ib_stat "$NS_B" "$IB_B" tx_packets)
	in_ns "$NS_A" ping -q -c 20 -i 0.01 -W 2 "$IP4_B" >/dev/null 2>&1
	check_err $? "20 pings a->b not all answered"
	rx1=$(ib_stat "$NS_B" "$IB_B" rx_packets)
	tx1=$(ib_stat "$NS_B" "$IB_B" tx_packets)
	log_info "b: rx_packets $rx0 -> $rx1, tx_packets $tx0 -> $tx1"
	((rx1 - rx0 >= 20 && tx1 - tx0 >= 20))
	check_err $? "b's counters did not count the 20 requests and replies (the vendor's ndo_get_stats64 not used?)"
	log_test "ip -s link counters are the vendor's"
}

test_sysfs_child()
{
	local ca=$IB_A.8002 cb=$IB_B.8002

	sysfs_child
	check_err $? "create_child $PKEY on $IB_A: no usable $ca"
	ip -n "$NS_B" link add link "$IB_B" name "$cb" type ipoib pkey "$PKEY" &&
		ip -n "$NS_B" addr add "$C4_B/24" dev "$cb" &&
		ip -n "$NS_B" link set dev "$cb" up
	check_err $? "ip link add type ipoib pkey $PKEY on $IB_B: no usable $cb"
	[ "$(ethtool_driver "$NS_A" "$ca")" = "$DRIVER" ]
	(($? == 0)) || check_err 1 "$ca: ethtool -i driver '$(ethtool_driver "$NS_A" "$ca")', expected $DRIVER"
	wait_for "$WAIT" has_carrier "$NS_A" "$ca" &&
		wait_ping "$NS_A" "$C4_B" "$WAIT" && ping_ok "$NS_A" "$C4_B" -s 2000 &&
		ping_ok "$NS_B" "$C4_A"
	check_err $? "no traffic between sysfs child $ca and rtnetlink child $cb"
	log_test "sysfs child on the vendor path talks to an rtnetlink child"
}

test_sysfs_child_del()
{
	local ca=$IB_A.8002 err

	err=$(ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" "$PKEY")
	check_err $? "delete_child $PKEY: $err"
	wait_for 10 dev_gone "$ca"
	check_err $? "$ca still there after delete_child"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "the parents stopped talking"
	log_test "delete_child removes the vendor-path child"
}

test_nl_connected()
{
	local mode

	ip -n "$NS_A" link set dev "$IB_A" type ipoib mode connected 2>"$ERRF"
	check_fail $? "ip link set type ipoib mode connected succeeded on the vendor path"
	mode=$(ns_cat "$NS_A" "/sys/class/net/$IB_A/mode")
	[ "$mode" = datagram ]
	check_err $? "mode reads '$mode' after the refused change"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "ping after the refused mode change failed"
	log_test "ip link ... mode connected refused on the vendor path"
}

test_nl_connected_extack()
{
	local err

	read -r err <"$ERRF"
	log_info "ip says: $err"
	[[ $err == *"not available over the device's IPoIB offload"* ]]
	check_err $? "the refusal does not say why: '$err'"
	xfail_reference "the distribution's changelink sets no extack"
	log_test "the refusal says why (netlink extack)"
}

test_remove_hca()
{
	local ca=$IB_A.8002 cb=$IB_B.8002 pid

	sysfs_child && wait_ping "$NS_A" "$C4_B" "$WAIT"
	check_err $? "no traffic over the children before the removal"
	ip netns exec "$NS_A" ping -q -f -w 30 "$C4_B" >/dev/null 2>&1 &
	pid=$!
	defer bg_stop "$pid"
	ip netns exec "$NS_B" ping -q -f -w 30 "$IP4_A" >/dev/null 2>&1 &
	defer bg_stop "$!"
	rmmod softib
	check_err $? "rmmod softib under traffic failed"
	! ns_has_dev "$NS_A" "$IB_A" && ! ns_has_dev "$NS_A" "$ca" &&
		! ns_has_dev "$NS_B" "$IB_B" && ! ns_has_dev "$NS_B" "$cb"
	check_err $? "IPoIB devices left after the HCA went"
	rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib after the HCA went failed"
	log_test "HCA removed under traffic over P_Key children of both kinds"
}

IB_CARRIER_TIMEOUT=$WAIT ib_pair_setup enhanced=1
[ "$(ethtool_driver "$NS_A" "$IB_A")" = "$DRIVER" ] ||
	fail_all "$IB_A: ethtool -i driver '$(ethtool_driver "$NS_A" "$IB_A")': the vendor path was not taken" "vendor path"
sib_pkey_add "$PKEY" softib0 softib1
wait_ping "$NS_A" "$IP4_B" "$WAIT"
test_counters
test_sysfs_child
test_sysfs_child_del
test_nl_connected
test_nl_connected_extack
test_remove_hca
