#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NetworkManager on IPoIB, the way Documentation/ipoib.rst ("NetworkManager")
# shows it, with dbus-daemon and systemd-udevd running in the guest:
#  - NetworkManager manages the interface (udev processed it);
#  - an `nmcli connection add type infiniband` profile in datagram mode with
#    static IPv4 and IPv6 addresses comes up: NetworkManager writes "mode"
#    even for datagram (its log shows the write; a driver without the file
#    or one that refuses the write fails the activation) and the addresses
#    pass traffic;
#  - `transport-mode connected mtu 65520` on the live profile, reactivated:
#    sysfs mode connected, MTU 65520, a 60000-byte ping without
#    fragmentation; back to datagram: MTU at most 4092, traffic again;
#  - a profile with infiniband.parent and infiniband.p-key creates the
#    child (named parent.pkey) with the P_Key and mode it configures, with
#    carrier and traffic to the peer's child; deleting the profile removes
#    the child.
#
#   initial namespace (NetworkManager)      ns b
#   $IB_A        192.0.2.1  2001:db8::1     $IB_B        192.0.2.2 (connected, 65520)
#   $IB_A.8001   192.0.5.1 (connected)      $IB_B.8001   192.0.5.2 (connected)
#   softib0/softib1 port 1 P_Key tables: 0xffff +0x8001
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"
source "$(dirname "$0")/nm_lib.sh"

require_cmd ping

T_PKEY=0x8001
C4_A=192.0.5.1
C4_B=192.0.5.2
PROF=ib-a
CPROF=ib-a-8001

# peer_setup: b's port in connected mode with MTU 65520 and its child.
peer_setup()
{
	local ch

	sib_pkey_add "$T_PKEY" softib0 softib1
	setup_ns "$NS_B" || fail_all "cannot create namespace $NS_B" "topology"
	IB_B=$(ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B") ||
		fail_all "no IPoIB device for softib1 port 1 in ns $NS_B" "topology"
	cm_set_mode "$NS_B" "$IB_B" connected &&
		ip -n "$NS_B" link set dev "$IB_B" mtu "$IPOIB_CM_MTU" ||
		fail_all "$IB_B: connected mode with MTU $IPOIB_CM_MTU refused" "topology"
	ch=$IB_B.${T_PKEY#0x}
	ip -n "$NS_B" link add link "$IB_B" name "$ch" type ipoib pkey "$T_PKEY" mode connected ||
		fail_all "ip link add $ch type ipoib pkey $T_PKEY failed in $NS_B" "topology"
	ip -n "$NS_B" addr add "$C4_B/24" dev "$ch" && ip -n "$NS_B" link set "$ch" up ||
		fail_all "cannot address $ch in $NS_B" "topology"
	wait_for 20 ipoib_netdev softib0 1 >/dev/null ||
		fail_all "no IPoIB device for softib0 port 1" "topology"
	IB_A=$(ipoib_netdev softib0 1)
	wait_for 30 has_carrier "$NS_B" "$IB_B" ||
		fail_all "$IB_B in ns $NS_B has no carrier" "topology"
}

# sysfs_is DEV FILE VALUE: /sys/class/net/DEV/FILE reads VALUE.
sysfs_is()
{
	local v

	read_file "/sys/class/net/$1/$2" v && [ "$v" = "$3" ] && return 0
	check_err 1 "$1/$2 is '${v:-?}', not '$3'"
	return 1
}

# a_has_addr ADDR/LEN: the initial namespace's $IB_A carries ADDR/LEN.
a_has_addr()
{
	[[ " $(ip -o addr show dev "$IB_A" 2>/dev/null | awk '{ printf "%s ", $4 }')" == *" $1 "* ]]
}

# a_mtu: $IB_A's MTU.
a_mtu()
{
	local m

	read_file "/sys/class/net/$IB_A/mtu" m && echo "$m"
}

# pings_to_a [PING ARGS...]: b reaches a's IPv4 and IPv6 addresses.
pings_to_a()
{
	wait_ping "$NS_B" "$IP4_A" 10 && ping_ok "$NS_B" "$IP4_A" "$@" ||
		check_err 1 "ping $IP4_A $* from $NS_B failed"
	wait_ping "$NS_B" "$IP6_A" 20 && ping_ok "$NS_B" "$IP6_A" ||
		check_err 1 "ping $IP6_A from $NS_B failed"
}

test_managed()
{
	wait_for 30 eval '[[ "$(nm_dev_state "$IB_A")" == *disconnected* ]]' ||
		check_err 1 "NetworkManager's state of $IB_A is '$(nm_dev_state "$IB_A")', not disconnected"
	log_test "NetworkManager manages $IB_A"
}

test_datagram_profile()
{
	local out

	out=$(nmcli connection add type infiniband ifname "$IB_A" con-name "$PROF" \
		infiniband.transport-mode datagram \
		ipv4.method manual ipv4.addresses "$IP4_A/24" \
		ipv6.method manual ipv6.addresses "$IP6_A/64" 2>&1) ||
		check_err 1 "nmcli connection add: $out"
	nm_up "$PROF" || check_err 1 "the datagram profile did not come up"
	nm_log_has "sysctl: setting '[^']*$IB_A/mode' to 'datagram'" ||
		check_err 1 "NetworkManager's log shows no write of 'datagram' to $IB_A/mode"
	! nm_log_has "mode.*(failed|[Ee]rror)" ||
		check_err 1 "NetworkManager logged a failure on mode: $(grep -E 'mode.*(failed|[Ee]rror)' "$NM_DIR/log" | head -1)"
	sysfs_is "$IB_A" mode datagram
	a_has_addr "$IP4_A/24" || check_err 1 "$IB_A has no $IP4_A/24"
	a_has_addr "$IP6_A/64" || check_err 1 "$IB_A has no $IP6_A/64"
	[ "$RET" = 0 ] && pings_to_a
	log_test "nmcli profile in datagram mode: mode written, static IPv4 and IPv6 pass traffic"
}

test_switch_connected()
{
	nmcli connection modify "$PROF" infiniband.transport-mode connected \
		infiniband.mtu "$IPOIB_CM_MTU" || check_err 1 "nmcli connection modify failed"
	nm_up "$PROF" || check_err 1 "the profile did not come up in connected mode"
	sysfs_is "$IB_A" mode connected
	[ "$(a_mtu)" = "$IPOIB_CM_MTU" ] || check_err 1 "$IB_A MTU is $(a_mtu), not $IPOIB_CM_MTU"
	[ "$RET" = 0 ] && pings_to_a -s 60000 -M "do"
	log_test "transport-mode connected mtu $IPOIB_CM_MTU on the live profile: 60000-byte pings"
}

test_switch_datagram()
{
	nmcli connection modify "$PROF" infiniband.transport-mode datagram ||
		check_err 1 "nmcli connection modify failed"
	nm_up "$PROF" || check_err 1 "the profile did not come up in datagram mode"
	sysfs_is "$IB_A" mode datagram
	[ "$(a_mtu)" -le 4092 ] || check_err 1 "$IB_A MTU is $(a_mtu) in datagram mode"
	[ "$RET" = 0 ] && pings_to_a
	log_test "transport-mode datagram again: MTU $(a_mtu), traffic"
}

test_child_profile()
{
	local out dev=

	out=$(nmcli connection add type infiniband con-name "$CPROF" \
		infiniband.parent "$IB_A" infiniband.p-key "$T_PKEY" \
		infiniband.transport-mode connected \
		ipv4.method manual ipv4.addresses "$C4_A/24" ipv6.method disabled 2>&1) ||
		check_err 1 "nmcli connection add: $out"
	nm_up "$CPROF" || check_err 1 "the P_Key profile did not come up"
	dev=$(nmcli -g GENERAL.DEVICES connection show "$CPROF" 2>/dev/null)
	if [ "$dev" != "$IB_A.${T_PKEY#0x}" ]; then
		check_err 1 "the profile's device is '$dev', not $IB_A.${T_PKEY#0x}"
	elif sysfs_is "$dev" pkey "$T_PKEY" && sysfs_is "$dev" mode connected; then
		wait_for 30 eval '[[ $(ip -o link show dev "$dev") == *LOWER_UP* ]]' ||
			check_err 1 "$dev has no carrier"
		wait_ping "$NS_B" "$C4_A" 10 || check_err 1 "ping $C4_A from $NS_B failed"
	fi
	log_test "infiniband.parent + p-key $T_PKEY: child $dev with its P_Key and mode, traffic"
	CHILD=$dev
}

test_child_delete()
{
	nmcli connection delete "$CPROF" >/dev/null || check_err 1 "nmcli connection delete failed"
	if [ -n "$CHILD" ]; then
		wait_for 20 eval '[ ! -e "/sys/class/net/$CHILD" ]' ||
			check_err 1 "$CHILD still exists"
	else
		check_err 1 "no child to delete"
	fi
	log_test "deleting the P_Key profile removes ${CHILD:-the child}"
}

load_softib
load_ipoib
peer_setup
sysd_start
nm_start
log_info "topology: $IB_A (NetworkManager) <-> $NS_B/$IB_B ($IPOIB ib_ipoib)"
CHILD=
defer nmcli connection delete "$CPROF"
defer nmcli connection delete "$PROF"

test_managed
test_datagram_profile
test_switch_connected
test_switch_datagram
test_child_profile
test_child_delete
