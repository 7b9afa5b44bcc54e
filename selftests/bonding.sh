#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bonding over IPoIB, active-backup (the only policy the bonding driver
# allows for InfiniBand slaves; it forces fail_over_mac to "active" since an
# IPoIB address cannot be moved to another port):
#  - other modes (balance-rr, balance-xor, 802.3ad) refuse an IPoIB slave;
#  - bond0 over two IPoIB slaves passes ping and a TCP transfer to a peer
#    on a third port; the bond takes the active slave's type, hardware and
#    broadcast addresses;
#  - the active slave's port goes down (softib link knob): the backup takes
#    over within a few seconds (lost pings at 5/s are counted and bounded),
#    the bond's addresses follow it, the peer's neighbour entry moves to it
#    (gratuitous ARP); then back to the first slave (A->B->A), after which
#    traffic must still flow (a stale destination on the peer would stop it);
#  - an Ethernet (dummy) slave is refused by an IPoIB bond, cleanly;
#  - all of it in datagram mode, then in connected mode with MTU 65520 on
#    the bond (full-size DF pings after each failover), then with two P_Key
#    children (partition 0x8003) as slaves and a child of the peer's port.
#
#   ns a                                          ns b
#   bond0 192.0.2.1 (active-backup, miimon 100)   $IB_P 192.0.2.2
#     +-- $IB_S1 (softib0 port 1)                    | softib2 port 1
#     +-- $IB_S2 (softib1 port 1)                    |
#        +============== softib fabric ==============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping socat

BOND=bond0
IB_S1=
IB_S2=
IB_P=
# The partition of the bond of two P_Key children.
B_PKEY=0x8003
# A failover must not cost more than this many pings (at 5 per second).
MAX_LOST=${MAX_LOST:-15}
TCP_BYTES=$((512 * 1024))

# slave_port DEV: the softib device of a slave (its port is always 1).
slave_port()
{
	case "$1" in
	"$IB_S1") echo softib0 ;;
	"$IB_S2") echo softib1 ;;
	esac
}

bond_file()
{
	ns_cat "$NS_A" "/sys/class/net/$BOND/$1"
}

active_slave()
{
	bond_file bonding/active_slave
}

active_is()
{
	[ "$(active_slave)" = "$1" ]
}

slave_up()
{
	local s

	ns_file "$NS_A" "/sys/class/net/$1/bonding_slave/mii_status" s && [ "$s" = up ]
}

bond_del()
{
	ip -n "$NS_A" link del "$BOND" 2>/dev/null
	return 0
}

setup_topology()
{
	local dev

	load_softib devices=3
	load_ipoib
	lsmod_has bonding || { modprobe bonding max_bonds=0 && defer rmmod bonding; } ||
		skip_all "no bonding module"
	setup_ns "$NS_A" "$NS_B" || fail_all "cannot create namespaces" "topology"
	for dev in softib0 softib1; do
		wait_for 20 ipoib_netdev "$dev" 1 >/dev/null ||
			fail_all "no IPoIB device for $dev port 1" "topology"
	done
	IB_S1=$(ipoib_netdev softib0 1)
	IB_S2=$(ipoib_netdev softib1 1)
	ip link set dev "$IB_S1" netns "$NS_A" &&
		ip link set dev "$IB_S2" netns "$NS_A" ||
		fail_all "cannot move $IB_S1 $IB_S2 to ns $NS_A" "topology"
	IB_P=$(ib_port_to_ns softib2 1 "$NS_B" "$IP4_B" "$IP6_B") ||
		fail_all "no IPoIB device for softib2 port 1 in ns $NS_B" "topology"
	wait_for 30 has_carrier "$NS_B" "$IB_P" ||
		fail_all "$IB_P in ns $NS_B has no carrier" "topology"
	defer bond_del
	log_info "topology: $NS_A/$BOND ($IB_S1 $IB_S2) $IP4_A <-> $NS_B/$IB_P $IP4_B ($IPOIB ib_ipoib)"
}

# test_other_modes: an IPoIB slave is refused by every mode but
# active-backup, and comes out of it untouched.
test_other_modes()
{
	local mode out

	for mode in balance-rr balance-xor 802.3ad; do
		ip -n "$NS_A" link add bond1 type bond mode "$mode" ||
			{ check_err 1 "cannot create a $mode bond"; continue; }
		out=$(ip -n "$NS_A" link set "$IB_S1" master bond1 2>&1)
		check_fail $? "$mode bond accepted IPoIB slave $IB_S1"
		log_info "$mode: $out"
		in_ns "$NS_A" test ! -e "/sys/class/net/$IB_S1/master"
		check_err $? "$IB_S1 has a master after the refusal"
		ip -n "$NS_A" link set "$IB_S1" nomaster 2>/dev/null
		ip -n "$NS_A" link del bond1
	done
	log_test "balance-rr, balance-xor, 802.3ad refuse an IPoIB slave"
}

# bond_setup MODE MTU: bond0 over both slaves in MODE (datagram or
# connected), the peer in the same mode, MTU on the bond and the peer.
bond_setup()
{
	local mode=$1 mtu=$2 dev out

	bond_del
	for dev in "$IB_S1" "$IB_S2"; do
		ip -n "$NS_A" link set "$dev" down
		out=$(cm_set_mode "$NS_A" "$dev" "$mode") ||
			fail_all "$dev: mode $mode: $out" "$mode: bond setup"
	done
	out=$(cm_set_mode "$NS_B" "$IB_P" "$mode") ||
		fail_all "$IB_P: mode $mode: $out" "$mode: bond setup"
	ip -n "$NS_A" link add "$BOND" type bond mode active-backup miimon 100 fail_over_mac 0 ||
		fail_all "cannot create $BOND" "$mode: bond setup"
	for dev in "$IB_S1" "$IB_S2"; do
		out=$(ip -n "$NS_A" link set "$dev" master "$BOND" 2>&1) ||
			fail_all "enslaving $dev failed: $out" "$mode: bond setup"
	done
	ip -n "$NS_A" link set "$BOND" up &&
		ip -n "$NS_A" addr add "$IP4_A/24" dev "$BOND" &&
		ip -n "$NS_A" -6 addr add "$IP6_A/64" dev "$BOND" nodad ||
		fail_all "cannot configure $BOND" "$mode: bond setup"
	if [ -n "$mtu" ]; then
		ip -n "$NS_A" link set "$BOND" mtu "$mtu" &&
			ip -n "$NS_B" link set "$IB_P" mtu "$mtu" ||
			fail_all "cannot set MTU $mtu" "$mode: bond setup"
	fi
	wait_for 30 has_carrier "$NS_A" "$BOND" && wait_for 30 slave_up "$IB_S1" &&
		wait_for 30 slave_up "$IB_S2" && wait_for 10 active_is "$IB_S1" ||
		fail_all "$BOND: no carrier or slaves not up (active '$(active_slave)')" "$mode: bond setup"
	log_info "$mode: $BOND mtu $(bond_file mtu) fail_over_mac '$(bond_file bonding/fail_over_mac)' active $(active_slave)"
}

# check_follows SLAVE: the bond's type, address and broadcast are SLAVE's,
# and the peer's neighbour entry for the bond's IP names SLAVE's address.
check_follows()
{
	local s=$1 f want got

	for f in type address broadcast; do
		want=$(ns_cat "$NS_A" "/sys/class/net/$s/$f")
		got=$(bond_file "$f")
		[ "$got" = "$want" ]
		check_err $? "$BOND $f is $got, active slave $s has $want"
	done
	want=$(ib_addr "$NS_A" "$s")
	got=$(neigh_lladdr "$NS_B" "$IP4_A" "$IB_P")
	[ "$got" = "$want" ]
	check_err $? "peer's neighbour $IP4_A is $got, not active slave $s ($want)"
}

test_basic()
{
	local mode=$1 mtu=$2

	wait_ping "$NS_A" "$IP4_B" 15 && ping_ok "$NS_A" "$IP4_B" && ping_ok "$NS_B" "$IP4_A"
	check_err $? "no IPv4 ping over $BOND"
	wait_ping "$NS_A" "$IP6_B" 10
	check_err $? "no IPv6 ping over $BOND"
	if [ -n "$mtu" ]; then
		wait_ping_df "$NS_A" "$IP4_B" "$mtu" 10
		check_err $? "no $mtu-byte DF ping over $BOND"
	fi
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" "$TCP_BYTES"
	check_err $? "TCP transfer over $BOND failed"
	check_follows "$IB_S1"
	log_test "$mode: $BOND up over $IB_S1 $IB_S2${mtu:+ (MTU $mtu)}: ping, TCP, addresses"
}

replies()
{
	count_lines "$1" "" "bytes from"
}

replies_ge()
{
	[ "$(replies "$1")" -ge "$2" ]
}

# failover MODE MTU FROM TO: take FROM's port down under a 5/s ping; TO must
# become active and carry traffic; FROM's port comes back up as backup.
failover()
{
	local mode=$1 mtu=$2 from=$3 to=$4 out pid r0 knob sent recv lost t0

	out=$(mktemp)
	knob=$(sib_port_knob "$(slave_port "$from")" 1 link)
	ip netns exec "$NS_A" ping -n -i 0.2 "$IP4_B" >"$out" 2>&1 &
	pid=$!
	wait_for 10 replies_ge "$out" 3
	check_err $? "no replies before the failover"
	r0=$(replies "$out")
	t0=$SECONDS
	sib_write "$knob" down
	check_err $? "cannot take $from's port down"
	wait_for 10 active_is "$to"
	(($? == 0)) || check_err 1 "active slave is '$(active_slave)' 10 s after $from's port went down, not $to"
	wait_for 15 replies_ge "$out" $((r0 + 5))
	check_err $? "no traffic through $to within 15 s of the failover"
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	sent=$(awk '/packets transmitted/ { print $1 }' "$out")
	recv=$(awk '/packets transmitted/ { print $4 }' "$out")
	lost=$((${sent:-0} - ${recv:-0}))
	log_info "$mode: $from -> $to: $lost of $sent pings lost, traffic back after $((SECONDS - t0)) s"
	[ -n "$sent" ] && [ "$lost" -le "$MAX_LOST" ]
	check_err $? "$lost pings lost at the failover $from -> $to (at most $MAX_LOST)"
	rm -f "$out"
	if [ -n "$mtu" ]; then
		wait_ping_df "$NS_A" "$IP4_B" "$mtu" 10
		check_err $? "no $mtu-byte DF ping through $to"
	fi
	ping_ok "$NS_B" "$IP4_A"
	check_err $? "peer cannot ping $BOND through $to"
	check_follows "$to"
	sib_write "$knob" up
	check_err $? "cannot bring $from's port back up"
	wait_for 30 has_carrier "$NS_A" "$from" && wait_for 10 slave_up "$from"
	check_err $? "$from did not come back as backup"
	active_is "$to"
	(($? == 0)) || check_err 1 "active slave moved back to '$(active_slave)' when $from came up"
}

test_failovers()
{
	local mode=$1 mtu=$2

	failover "$mode" "$mtu" "$IB_S1" "$IB_S2"
	log_test "$mode: $IB_S1 port down: $IB_S2 takes over, addresses follow"
	failover "$mode" "$mtu" "$IB_S2" "$IB_S1"
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" "$TCP_BYTES"
	check_err $? "TCP transfer after the second failover failed"
	log_test "$mode: back to $IB_S1 (A->B->A): traffic still flows"
}

test_ether_slave()
{
	local mode=$1 out

	ip -n "$NS_A" link add dummy0 type dummy ||
		{ log_test_skip "$mode: Ethernet slave refused" "no dummy device"; return; }
	out=$(ip -n "$NS_A" link set dummy0 master "$BOND" 2>&1)
	check_fail $? "$BOND accepted an Ethernet slave"
	log_info "dummy0: $out"
	in_ns "$NS_A" test ! -e /sys/class/net/dummy0/master
	check_err $? "dummy0 has a master after the refusal"
	[ "$(bond_file bonding/slaves)" = "$IB_S1 $IB_S2" ]
	(($? == 0)) || check_err 1 "$BOND slaves are now '$(bond_file bonding/slaves)'"
	[ "$(bond_file type)" = 32 ]
	(($? == 0)) || check_err 1 "$BOND type changed to $(bond_file type)"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "no ping over $BOND after the refusal"
	ip -n "$NS_A" link del dummy0
	log_test "$mode: an Ethernet slave is refused by an IPoIB bond"
}

# children_setup: the slaves and the peer become P_Key children of
# partition B_PKEY (sysfs create_child) on the same ports; the parents stay
# up without addresses, the peer's addresses move to its child.
children_setup()
{
	local k dev

	bond_del
	sib_pkey_add "$B_PKEY" softib0 softib1 softib2
	for dev in "$IB_S1" "$IB_S2"; do
		ip -n "$NS_A" link set "$dev" up
		ns_sysfs_write "$NS_A" "/sys/class/net/$dev/create_child" "$B_PKEY" ||
			fail_all "create_child $B_PKEY on $dev failed" "children: bond setup"
	done
	ns_sysfs_write "$NS_B" "/sys/class/net/$IB_P/create_child" "$B_PKEY" ||
		fail_all "create_child $B_PKEY on $IB_P failed" "children: bond setup"
	ip -n "$NS_B" addr flush dev "$IB_P"
	IB_S1=$IB_S1.${B_PKEY#0x} IB_S2=$IB_S2.${B_PKEY#0x} IB_P=$IB_P.${B_PKEY#0x}
	# the reference creates a child in the initial namespace, whatever
	# its parent's: move it next to the parent
	for dev in "$NS_A $IB_S1" "$NS_A $IB_S2" "$NS_B $IB_P"; do
		read -r k dev <<<"$dev"
		[ "$(link_ns "$dev" "$k" "")" = "$k" ] || ip link set "$dev" netns "$k" ||
			fail_all "cannot move $dev to ns $k" "children: bond setup"
	done
	ip -n "$NS_B" addr add "$IP4_B/24" dev "$IB_P" &&
		ip -n "$NS_B" -6 addr add "$IP6_B/64" dev "$IB_P" nodad &&
		ip -n "$NS_B" link set "$IB_P" up ||
		fail_all "cannot configure $IB_P" "children: bond setup"
	wait_for 30 has_carrier "$NS_B" "$IB_P" ||
		fail_all "$IB_P has no carrier" "children: bond setup"
}

setup_topology
require_sib_knob "$(sib_port_knob softib0 1 link)"
test_other_modes

bond_setup datagram ""
test_basic datagram ""
test_ether_slave datagram
test_failovers datagram ""

if require_feature connected "connected: bond with MTU $IPOIB_CM_MTU"; then
	bond_setup connected "$IPOIB_CM_MTU"
	test_basic connected "$IPOIB_CM_MTU"
	test_failovers connected "$IPOIB_CM_MTU"
fi

if require_feature pkey-child "P_Key children: bond of two children"; then
	children_setup
	bond_setup "datagram" ""
	test_basic "P_Key $B_PKEY children" ""
	test_failovers "P_Key $B_PKEY children" ""
fi
