#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rdma_cm over IPoIB addresses, with the in-kernel echo module
# testmods/rdmacm_echo.ko: a listener on one host's IPoIB address, a client
# on the other connecting by IP over RC, sending a message and getting it
# back.  The listening side's rdma_cm asks the IB client which net_device
# the request is for (get_net_dev_by_params); without that answer every
# connection is rejected.
#   - over the parents (IPv4 and IPv6), both in namespaces; a port nobody
#     listens on is refused
#   - namespaces: a listener in the initial namespace does not get
#     requests for ns a's address, one in ns a does
#   - two rtnetlink P_Key children sharing P_Key 0x8001 on each side, with
#     addresses in different subnets: the lookup picks the child by the
#     destination IP address
#   - a bond master (active-backup) over the second child, with its
#     address: the lookup walks up from the child to the bond
#   - ip link set address: refused while up (EBUSY), with another QPN or
#     a GID not in the port's GID table (EINVAL, address unchanged);
#     accepted for softib's alias GID (GID index 1), after which the peer's
#     neighbour entry carries the new GID and ping and rdma_cm work
#
#   ns a                          ns b
#   $IB_A     192.0.2.1           $IB_B     192.0.2.2
#   ca1       192.0.3.1           cb1       192.0.3.2    (P_Key 0x8001)
#   ca2       192.0.4.1           cb2       192.0.4.2    (P_Key 0x8001)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

ECHO_KO=$MODDIR/rdmacm_echo.ko
CTL=/sys/kernel/debug/rdmacm_echo/ctl
PKEY=0x8001
ALIAS=0x0002c90300ab0001
ALIAS_HEX=0002c90300ab0001

[ -f "$ECHO_KO" ] || skip_all "rdmacm_echo.ko is not built ($MODDIR)"
# rdma_cm holds ib_cm: unload it again (with the iw_cm it pulled in) so
# that the scripts after this one find the RDMA core as it was.
if ! lsmod_has rdma_cm; then
	modprobe rdma_cm 2>/dev/null || skip_all "no rdma_cm module"
	defer modprobe -r rdma_cm
fi

# echo_cmd CMD...: one command to the echo module; its status.
echo_cmd()
{
	log_info "rdmacm_echo: $*"
	echo "$*" >"$CTL"
}

# echo_check NAME PID ADDR PORT: connect from PID's namespace and echo.
echo_check()
{
	echo_cmd connect "$2" "$3" "$4" "hello $1"
	(($? == 0)) || check_err 1 "connect to $3 port $4 failed: $(grep last_connect "$CTL")"
}

# in_netns PID NS: process PID has entered namespace NS.
in_netns()
{
	[ "$(readlink "/proc/$1/ns/net")" = "net:[$(stat -L -c %i "/run/netns/$2")]" ]
}

# ns_pid NS: start a process that stays in NS, for the echo module to
# take the namespace from; sets NS_PID once it is there.
ns_pid()
{
	ip netns exec "$1" sleep 600 &
	NS_PID=$!
	defer bg_stop "$NS_PID"
	wait_for 5 in_netns "$NS_PID" "$1" ||
		fail_all "no process in ns $1" "topology"
}

ib_pair_setup
insmod "$ECHO_KO" || fail_all "insmod rdmacm_echo.ko failed" "load rdmacm_echo"
defer rmmod rdmacm_echo
ns_pid "$NS_A"
PID_A=$NS_PID
ns_pid "$NS_B"
PID_B=$NS_PID

# ---- parents
echo_cmd listen "$PID_A" "$IP4_A" 7471
check_err $? "listen on $IP4_A in ns $NS_A failed"
echo_check parent "$PID_B" "$IP4_A" 7471
log_test "rdma_cm: connect and echo to the parent's IPv4 address"

echo_cmd listen "$PID_A" "$IP6_A" 7471
check_err $? "listen on $IP6_A in ns $NS_A failed"
echo_check parent6 "$PID_B" "$IP6_A" 7471
log_test "rdma_cm: connect and echo to the parent's IPv6 address"

echo_cmd connect "$PID_B" "$IP4_A" 7479 unheard
check_fail $? "connect to a port nobody listens on succeeded"
log_test "rdma_cm: connect to a port nobody listens on fails"

# ---- namespaces: the request is for ns a's address
echo_cmd listen 0 0.0.0.0 7472
check_err $? "listen on any address in the initial namespace failed"
echo_cmd connect "$PID_B" "$IP4_A" 7472 wrong-ns
check_fail $? "a listener in the initial namespace got ns $NS_A's request"
echo_cmd listen "$PID_A" 0.0.0.0 7473
check_err $? "listen on any address in ns $NS_A failed"
echo_check any "$PID_B" "$IP4_A" 7473
log_test "rdma_cm: the listener of the address's namespace gets the request"

# ---- two P_Key children on each side sharing one P_Key
KA=$(sib_port_knob softib0 1 pkeys)
KB=$(sib_port_knob softib1 1 pkeys)
sib_write "$KA" "+$PKEY" && defer sib_write "$KA" "-$PKEY"
check_err $? "cannot add $PKEY to softib0 port 1"
sib_write "$KB" "+$PKEY" && defer sib_write "$KB" "-$PKEY"
check_err $? "cannot add $PKEY to softib1 port 1"
for i in 1 2; do
	for s in a b; do
		ns=$NS_A parent=$IB_A host=1
		[ "$s" = b ] && ns=$NS_B parent=$IB_B host=2
		ip -n "$ns" link add link "$parent" name "c$s$i" type ipoib pkey $PKEY &&
			ip -n "$ns" addr add "192.0.$((i + 2)).$host/24" dev "c$s$i" &&
			ip -n "$ns" link set "c$s$i" up
		check_err $? "cannot set up child c$s$i in ns $ns"
	done
done
for c in ca1 ca2; do
	wait_for 20 has_carrier "$NS_A" "$c"
	check_err $? "$c has no carrier"
done
for c in cb1 cb2; do
	wait_for 20 has_carrier "$NS_B" "$c"
	check_err $? "$c has no carrier"
done
echo_cmd listen "$PID_A" 192.0.3.1 7474 && echo_cmd listen "$PID_A" 192.0.4.1 7474
check_err $? "listen on the children's addresses failed"
echo_check child1 "$PID_B" 192.0.3.1 7474
echo_check child2 "$PID_B" 192.0.4.1 7474
log_test "rdma_cm: connect and echo to two P_Key children sharing a P_Key"

# bond_case: ca2 enslaved to an active-backup bond that takes over its
# address: of the two interfaces on the request's P_Key and GID, neither
# carries the address itself; the lookup must walk up from ca2 to the
# bond.
bond_case()
{
	if ! modprobe bonding 2>/dev/null; then
		log_test_skip "rdma_cm: connect and echo to a bond master over a P_Key child" "no bonding module"
		return
	fi
	ip -n "$NS_A" link add bond0 type bond mode active-backup miimon 100 &&
		ip -n "$NS_A" addr del 192.0.4.1/24 dev ca2 &&
		ip -n "$NS_A" link set ca2 down &&
		ip -n "$NS_A" link set ca2 master bond0 &&
		ip -n "$NS_A" link set bond0 up &&
		ip -n "$NS_A" addr add 192.0.4.1/24 dev bond0
	check_err $? "cannot move ca2 and 192.0.4.1 under bond0"
	wait_ping "$NS_B" 192.0.4.1 20
	check_err $? "no ping to bond0's 192.0.4.1"
	echo_cmd listen "$PID_A" 192.0.4.1 7475
	check_err $? "listen on bond0's address failed"
	echo_check bond "$PID_B" 192.0.4.1 7475
	log_test "rdma_cm: connect and echo to a bond master over a P_Key child sharing its P_Key"
	ip -n "$NS_A" link del bond0
}
bond_case
for c in ca1 ca2; do ip -n "$NS_A" link del "$c"; done
for c in cb1 cb2; do ip -n "$NS_B" link del "$c"; done


# ---- ip link set address
# set_addr ADDR: ip link set address on $IB_A; prints ip's error.
set_addr()
{
	ip -n "$NS_A" link set dev "$IB_A" address "$1" 2>&1
}

# addr_with_iid IID_HEX: $IB_A's address with another interface ID.
addr_with_iid()
{
	local a iid=$1

	a=$(ib_addr "$NS_A" "$IB_A")
	printf '%s:%s:%s:%s:%s:%s:%s:%s:%s' "${a:0:35}" "${iid:0:2}" \
		"${iid:2:2}" "${iid:4:2}" "${iid:6:2}" "${iid:8:2}" \
		"${iid:10:2}" "${iid:12:2}" "${iid:14:2}"
}

GIDK=$(sib_port_knob softib0 1 gid)
ORIG=$(ib_addr "$NS_A" "$IB_A")
NEW=$(addr_with_iid "$ALIAS_HEX")
BAD=$(addr_with_iid 0002c90300ab0077)
BADQPN=ff:${ORIG:3}

sib_write "$GIDK" "alias=$ALIAS" && defer sib_write "$GIDK" alias=0
check_err $? "softib has no alias GID knob"
wait_for 10 grep -qi "${ALIAS_HEX:12:4}" /sys/class/infiniband/softib0/ports/1/gids/1
check_err $? "the alias is not GID index 1"
out=$(set_addr "$NEW")
check_fail $? "address change accepted while the interface is up"
echo "$out" | grep -q 'busy'
check_err $? "not EBUSY while up: $out"
[ "$(ib_addr "$NS_A" "$IB_A")" = "$ORIG" ]
check_err $? "address changed while up"
log_test "set_mac_address: refused while up (EBUSY)"

ip -n "$NS_A" link set "$IB_A" down
defer ip -n "$NS_A" link set "$IB_A" up
defer ip -n "$NS_A" link set dev "$IB_A" address "$ORIG"
defer ip -n "$NS_A" link set "$IB_A" down

out=$(set_addr "$BADQPN")
check_fail $? "address with another QPN accepted"
echo "$out" | grep -q 'Invalid argument'
check_err $? "not EINVAL for another QPN: $out"
[ "$(ib_addr "$NS_A" "$IB_A")" = "$ORIG" ]
check_err $? "address changed after the refusal"
log_test "set_mac_address: refused for another QPN (EINVAL), address unchanged"

out=$(set_addr "$BAD")
check_fail $? "GID not in the GID table accepted"
echo "$out" | grep -q 'Invalid argument'
check_err $? "not EINVAL for a GID not in the table: $out"
[ "$(ib_addr "$NS_A" "$IB_A")" = "$ORIG" ]
check_err $? "address changed after the refusal"
set_addr "$ORIG" >/dev/null
xfail_reference "accepts any interface ID with the port's subnet prefix"
log_test "set_mac_address: refused for a GID not in the GID table (EINVAL), address unchanged"

out=$(set_addr "$NEW")
check_err $? "alias GID refused: $out"
[ "$(ib_addr "$NS_A" "$IB_A")" = "$NEW" ]
check_err $? "address is not the new one"
ip -n "$NS_A" link set "$IB_A" up
wait_for 20 has_carrier "$NS_A" "$IB_A"
check_err $? "$IB_A has no carrier with the alias GID"
ip -n "$NS_B" neigh flush dev "$IB_B"
wait_ping "$NS_B" "$IP4_A" 15
check_err $? "no ping to $IP4_A with the alias GID"
[ "$(neigh_lladdr "$NS_B" "$IP4_A" "$IB_B")" = "$NEW" ]
(($? == 0)) || check_err 1 "peer's neighbour for $IP4_A is $(neigh_lladdr "$NS_B" "$IP4_A" "$IB_B"), not $NEW"
echo_check alias "$PID_B" "$IP4_A" 7471
log_test "set_mac_address: alias GID accepted; the peer sees and reaches it"

exit 0
