#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPoIB on the vendor offload path (rdma_netdev, "enhanced IPoIB"): softib
# loaded with enhanced=1 answers rdma_netdev_get_params, and IPoIB must run
# its data path through softib's send/receive channels, as on ConnectX-4+:
#   - detection: ethtool -i says softib[ib_ipoib], ethtool -l answers with
#     several channels (a driver that ignores the offer fails, no skip)
#   - IPv4/IPv6 ping, iperf3 TCP, multicast to a subscriber, each counted
#     in softib's per queue statistics
#   - softib's verbs path keeps working: rdma_cm echo (RC) between the
#     IPoIB addresses, saquery through ib_umad
#   - a P_Key child (ip link add ... type ipoib pkey 0x8001) on the vendor
#     path passing traffic; ethtool -L refused while it exists
#   - iperf3 -P 8 spreads over more than one send queue of the sender and
#     more than one receive queue of the receiver (ethtool -S per queue;
#     8 flows rather than 4 so that all of them landing on one of the 4
#     queues by hash is practically excluded)
#   - ethtool -L changes the channels under traffic, which keeps flowing;
#     ethtool -G sets the receive ring, out-of-range sizes are refused
#   - connected mode is refused with an error (no CM on the vendor path)
#   - softib1 unplugged under traffic (<ibdev>/replace), coming back with
#     enhanced=0: the vendor port a pings the built-in port b (same wire)
#   - rmmod ib_ipoib under traffic, rmmod softib under traffic
#
#   ns a                                      ns b
#   $IB_A 192.0.2.1, $IB_A.8001 192.0.3.1     $IB_B 192.0.2.2, .8001 192.0.3.2
#        | softib0 port 1 (enhanced)               | softib1 port 1 (enhanced)
#        +========== softib fabric (enhanced=1) + SM/SA ==========+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ethtool iperf3 socat ss

PKEY=0x8001
C4_A=192.0.3.1
C4_B=192.0.3.2
GRP4=239.1.1.7
UPORT=5007
WAIT=30
DRIVER='softib[ib_ipoib]'

OUT=$(mktemp)
defer rm -f "$OUT"

# channels NS DEV: "current max" combined channels from ethtool -l.
channels()
{
	in_ns "$1" ethtool -l "$2" 2>/dev/null |
		awk '$1 == "Combined:" { v[n++] = $2 } END { print v[1], v[0] }'
}

# queue_stats NS DEV DIR: DIR (tx|rx) packets of each queue, one line.
queue_stats()
{
	# shellcheck disable=SC2046	# one line of numbers
	echo $(in_ns "$1" ethtool -S "$2" 2>/dev/null |
		awk -v d="$3" '$1 ~ "^" d "[0-9]+_packets:$" { print $2 }')
}

# qsum NS DEV DIR: packets of all DIR (tx|rx) queues of DEV (ethtool -S);
# 0 when the driver has no such counters (not on the vendor path).
qsum()
{
	in_ns "$1" ethtool -S "$2" 2>/dev/null |
		awk -v d="$3" '$1 ~ "^" d "[0-9]+_packets:$" { s += $2 } END { print s + 0 }'
}

# vendor_moved TX0 RX0 MIN: a's send queues and b's receive queues
# counted MIN packets more than TX0 and RX0 (what went through softib's
# channels).
vendor_moved()
{
	local tx rx

	tx=$(qsum "$NS_A" "$IB_A" tx) rx=$(qsum "$NS_B" "$IB_B" rx)
	((tx - $1 >= $3 && rx - $2 >= $3)) && return 0
	log_info "vendor queues: a tx $1 -> $tx, b rx $2 -> $rx (expected +$3)"
	return 1
}

# busy_queues BEFORE AFTER MIN: how many queues moved by MIN packets.
busy_queues()
{
	local -a b a
	local i n=0

	read -ra b <<<"$1"
	read -ra a <<<"$2"
	for i in "${!a[@]}"; do
		((a[i] - ${b[i]:-0} >= $3)) && n=$((n + 1))
	done
	echo "$n"
}

test_detect()
{
	local d ch

	for d in "$NS_A:$IB_A" "$NS_B:$IB_B"; do
		[ "$(ethtool_driver "${d%%:*}" "${d#*:}")" = "$DRIVER" ]
		(($? == 0)) || check_err 1 "${d#*:}: ethtool -i driver '$(ethtool_driver "${d%%:*}" "${d#*:}")', expected $DRIVER (vendor path not taken)"
		ch=$(channels "${d%%:*}" "${d#*:}")
		[[ $ch =~ ^([0-9]+)\ ([0-9]+)$ ]] && ((BASH_REMATCH[2] > 1))
		check_err $? "${d#*:}: ethtool -l gives '$ch' (current max), expected several channels"
	done
	log_test "vendor path: ethtool -i $DRIVER, ethtool -l answers"
}

test_ping()
{
	local tx0 rx0

	tx0=$(qsum "$NS_A" "$IB_A" tx) rx0=$(qsum "$NS_B" "$IB_B" rx)
	wait_ping "$NS_A" "$IP4_B" "$WAIT" && ping_ok "$NS_A" "$IP4_B"
	check_err $? "IPv4 ping a->b failed"
	wait_ping "$NS_A" "$IP6_B" "$WAIT" && ping_ok "$NS_A" "$IP6_B" -s 3000
	check_err $? "IPv6 ping a->b (3000 bytes) failed"
	vendor_moved "$tx0" "$rx0" 6
	check_err $? "the pings did not go through softib's channels"
	log_test "ping IPv4 and IPv6 over the vendor path"
}

test_tcp()
{
	local rate tx0 rx0

	tx0=$(qsum "$NS_A" "$IB_A" tx) rx0=$(qsum "$NS_B" "$IB_B" rx)
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -t 2
	(($? == 0)) || check_err 1 "iperf3 a->b failed: $(tail -n 3 "$OUT")"
	rate=$(iperf3_rate "$OUT")
	log_info "iperf3 TCP a->b: ${rate:-?} Mbit/s"
	vendor_moved "$tx0" "$rx0" 100
	check_err $? "iperf3 did not go through softib's channels"
	[ "$(sib_counter softib1 1 drop_too_long)" = 0 ]
	(($? == 0)) || check_err 1 "softib1 dropped $(sib_counter softib1 1 drop_too_long) datagrams above the MTU (TSO segments too long)"
	tcp_transfer "$NS_B" "$NS_A" "$IP6_A" 2000000
	check_err $? "TCP transfer b->a over IPv6 not byte-exact"
	log_test "iperf3 TCP, byte-exact TCP transfer (TSO, checksum offload)"
}

# in_netns PID NS: process PID has entered namespace NS.
in_netns()
{
	[ "$(readlink "/proc/$1/ns/net")" = "net:[$(stat -L -c %i "/run/netns/$2")]" ]
}

# softib's verbs path next to the vendor path: rdma_cm (RC QPs) between
# the IPoIB addresses, the SA through ib_umad (saquery).
test_verbs()
{
	local ko=$MODDIR/rdmacm_echo.ko ctl=/sys/kernel/debug/rdmacm_echo/ctl
	local pa pb out

	if [ ! -f "$ko" ] || ! modprobe rdma_cm 2>/dev/null; then
		log_test_skip "rdma_cm and ib_umad with enhanced=1" "no rdmacm_echo.ko or rdma_cm"
		return
	fi
	defer modprobe -r rdma_cm
	ip netns exec "$NS_A" sleep 600 &
	pa=$!
	ip netns exec "$NS_B" sleep 600 &
	pb=$!
	defer bg_stop "$pa"
	defer bg_stop "$pb"
	wait_for 5 in_netns "$pa" "$NS_A" && wait_for 5 in_netns "$pb" "$NS_B" &&
		insmod "$ko" && echo "listen $pa $IP4_A 7471" >"$ctl" &&
		echo "connect $pb $IP4_A 7471 hello" >"$ctl"
	(($? == 0)) || check_err 1 "rdma_cm echo to $IP4_A failed: $(grep last_connect "$ctl" 2>/dev/null)"
	rmmod rdmacm_echo 2>/dev/null
	if command -v saquery >/dev/null; then
		out=$(timeout 20 saquery -C softib0 -P 1 -g 2>&1)
		[[ $out == *ff12:401b:ffff::ffff:ffff* ]]
		check_err $? "saquery -g (ib_umad) has no broadcast group: ${out:0:200}"
	else
		log_info "saquery is not installed: ib_umad not checked"
	fi
	bg_stop "$pa"
	bg_stop "$pb"
	log_test "softib's verbs path with enhanced=1: rdma_cm echo, saquery"
}

test_mcast()
{
	local sub i pid tx0 rx0

	tx0=$(qsum "$NS_A" "$IB_A" tx) rx0=$(qsum "$NS_B" "$IB_B" rx)
	sub=$(mktemp)
	defer rm -f "$sub"
	ip -n "$NS_A" route add 224.0.0.0/4 dev "$IB_A"
	bg_start "$NS_B" "$sub" socat -u "UDP4-RECV:$UPORT,reuseaddr,ip-add-membership=$GRP4:$IP4_B" -
	pid=$BG_PID
	wait_for 10 listening "$NS_B" "$UPORT" udp
	check_err $? "multicast listener did not start"
	for i in $(seq 1 50); do
		echo "mc $i" | in_ns "$NS_A" socat -u - "UDP4-DATAGRAM:$GRP4:$UPORT,ip-multicast-if=$IP4_A"
		[ -s "$sub" ] && break
		sleep 0.2
	done
	[ -s "$sub" ]
	check_err $? "subscriber in $NS_B received nothing for $GRP4"
	vendor_moved "$tx0" "$rx0" 1
	check_err $? "the datagrams did not go through softib's channels"
	if [ "$RET" != 0 ]; then
		log_info "b: $(in_ns "$NS_B" ip maddr show dev "$IB_B" | tr -s '\n ' ' ')"
		log_info "groups: $(oneline "$SIB_DBG/fabric/groups")"
		log_info "softib0: $(oneline "$(sib_port_knob softib0 1 counters)")"
		log_info "softib1: $(oneline "$(sib_port_knob softib1 1 counters)")"
		log_info "a: $(in_ns "$NS_A" ethtool -S "$IB_A" | tr -s '\n ' ' ')"
		log_info "b: $(in_ns "$NS_B" ethtool -S "$IB_B" | tr -s '\n ' ' ')"
	fi
	bg_stop "$pid"
	log_test "multicast $GRP4 reaches a subscriber"
}

test_child()
{
	local ca=$IB_A.8001 cb=$IB_B.8001

	sib_pkey_add "$PKEY" softib0 softib1
	ip -n "$NS_A" link add link "$IB_A" name "$ca" type ipoib pkey "$PKEY" &&
		ip -n "$NS_B" link add link "$IB_B" name "$cb" type ipoib pkey "$PKEY"
	check_err $? "ip link add type ipoib pkey $PKEY failed"
	ip -n "$NS_A" addr add "$C4_A/24" dev "$ca"
	ip -n "$NS_B" addr add "$C4_B/24" dev "$cb"
	ip -n "$NS_A" link set dev "$ca" up
	ip -n "$NS_B" link set dev "$cb" up
	[ "$(ethtool_driver "$NS_A" "$ca")" = "$DRIVER" ]
	(($? == 0)) || check_err 1 "$ca: ethtool -i driver '$(ethtool_driver "$NS_A" "$ca")'"
	wait_for "$WAIT" has_carrier "$NS_A" "$ca" && wait_for "$WAIT" has_carrier "$NS_B" "$cb" &&
		wait_ping "$NS_A" "$C4_B" "$WAIT" && ping_ok "$NS_A" "$C4_B" -s 2000
	check_err $? "ping over the P_Key $PKEY children failed"
	in_ns "$NS_A" ethtool -L "$IB_A" combined 2 2>/dev/null
	check_fail $? "ethtool -L on $IB_A succeeded while it has a child"
	ip -n "$NS_A" link del "$ca" && ip -n "$NS_B" link del "$cb"
	check_err $? "cannot delete the children"
	log_test "P_Key $PKEY child on the vendor path passes traffic"
}

test_spread()
{
	local tx0 rx0 tx1 rx1 ntx nrx

	tx0=$(queue_stats "$NS_A" "$IB_A" tx) rx0=$(queue_stats "$NS_B" "$IB_B" rx)
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -t 2 -P 8
	(($? == 0)) || check_err 1 "iperf3 -P 8 failed: $(tail -n 3 "$OUT")"
	tx1=$(queue_stats "$NS_A" "$IB_A" tx) rx1=$(queue_stats "$NS_B" "$IB_B" rx)
	ntx=$(busy_queues "$tx0" "$tx1" 100) nrx=$(busy_queues "$rx0" "$rx1" 100)
	log_info "per queue: a tx $tx0 -> $tx1, b rx $rx0 -> $rx1"
	((ntx > 1))
	check_err $? "a's send queues used: $ntx (TSS)"
	((nrx > 1))
	check_err $? "b's receive queues used: $nrx (RSS)"
	log_test "iperf3 -P 8: more than one send and receive queue used"
}

test_channels()
{
	local pid ch n

	ip netns exec "$NS_A" ping -q -i 0.05 -c 400 "$IP4_B" >"$OUT" 2>&1 &
	pid=$!
	defer bg_stop "$pid"
	for n in 1 3 2 4; do
		wait_ping "$NS_A" "$IP4_B" 5 &&
			in_ns "$NS_B" ethtool -L "$IB_B" combined "$n" &&
			in_ns "$NS_A" ethtool -L "$IB_A" combined "$n"
		check_err $? "ethtool -L combined $n failed under traffic"
		ch=$(channels "$NS_B" "$IB_B")
		[ "${ch%% *}" = "$n" ]
		check_err $? "ethtool -l after -L combined $n: '$ch'"
	done
	in_ns "$NS_B" ethtool -G "$IB_B" rx 128 && in_ns "$NS_B" ethtool -g "$IB_B" | grep -A 5 Current | grep -Eq '^RX:[[:space:]]+128$'
	(($? == 0)) || check_err 1 "ethtool -G rx 128 not taken: $(in_ns "$NS_B" ethtool -g "$IB_B" 2>&1 | tr -s '\n\t ' ' ')"
	in_ns "$NS_B" ethtool -G "$IB_B" rx 1 2>/dev/null
	check_fail $? "ethtool -G rx 1 accepted"
	wait_ping "$NS_A" "$IP4_B" 5 && ping_ok "$NS_A" "$IP4_B" && ping_ok "$NS_B" "$IP6_A"
	check_err $? "no traffic after ethtool -L and -G"
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT.tcp" -t 1
	check_err $? "iperf3 after ethtool -L failed"
	rm -f "$OUT.tcp"
	bg_stop "$pid"
	log_test "ethtool -L under traffic, traffic continues; ethtool -G"
}

test_connected()
{
	local mode

	in_ns "$NS_A" bash -c "echo connected > /sys/class/net/$IB_A/mode" 2>/dev/null
	check_fail $? "echo connected > mode succeeded on the vendor path"
	mode=$(ns_cat "$NS_A" "/sys/class/net/$IB_A/mode")
	[ "$mode" = datagram ]
	check_err $? "mode reads '$mode' after the refused write"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "ping after the refused mode change failed"
	log_test "mode connected refused on the vendor path"
}

# established NS PORT: a TCP connection to or from PORT is up in NS.
established()
{
	[ -n "$(in_ns "$1" ss -Htn state established "( sport = :$2 or dport = :$2 )")" ]
}

# tcp_bg CLIENT_NS SERVER_NS ADDR: a long iperf3 in the background (client
# BG_PID, server BG_SRV), returning once it is connected.
tcp_bg()
{
	ip netns exec "$2" iperf3 -s -1 -B "$3" -p 5202 >/dev/null 2>&1 &
	BG_SRV=$!
	defer bg_stop "$BG_SRV"
	wait_for 10 listening "$2" 5202
	bg_start "$1" /dev/null iperf3 -c "$3" -p 5202 -t 60
	wait_for 10 established "$1" 5202
}

b_is_builtin()
{
	IB_B=$(ipoib_netdev softib1 1) && [ "$(ethtool -i "$IB_B" 2>/dev/null | awk '$1 == "driver:" { print $2 }')" = ib_ipoib ]
}

test_replace()
{
	local knob=$SIB_DBG/softib1/replace param=/sys/module/softib/parameters/enhanced

	if [ ! -e "$knob" ]; then
		log_test_skip "softib1 unplugged under traffic" "softib has no $knob"
		return
	fi
	[ "$(ethtool_driver "$NS_A" "$IB_A")" = "$DRIVER" ]
	check_err $? "$IB_A is not on the vendor path"
	tcp_bg "$NS_A" "$NS_B" "$IP4_B"
	check_err $? "no TCP traffic a->b"
	echo 0 >"$param" && sib_write "$knob" 1
	check_err $? "replacing softib1 failed"
	echo 1 >"$param"
	bg_stop "$BG_PID"
	bg_stop "$BG_SRV"
	wait_for "$WAIT" b_is_builtin
	check_err $? "no built-in path IPoIB device for the new softib1"
	ns_del "$NS_B"
	setup_ns "$NS_B"
	IB_B=$(ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B") &&
		wait_for "$WAIT" has_carrier "$NS_B" "$IB_B"
	check_err $? "cannot set up the new softib1's $IB_B"
	ip -n "$NS_A" neigh flush dev "$IB_A"
	wait_ping "$NS_A" "$IP4_B" "$WAIT" && ping_ok "$NS_A" "$IP4_B" -s 2000 &&
		tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 1000000
	check_err $? "vendor path a <-> built-in path b: no traffic"
	log_test "softib1 unplugged under traffic; vendor a <-> built-in b interoperate"
}

test_rmmod_ipoib()
{
	tcp_bg "$NS_B" "$NS_A" "$IP4_A"
	check_err $? "no TCP traffic b->a"
	rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib under traffic failed"
	! ns_has_dev "$NS_A" "$IB_A" && ! ns_has_dev "$NS_B" "$IB_B"
	check_err $? "IPoIB devices left after rmmod ib_ipoib"
	log_test "rmmod ib_ipoib under traffic"
}

test_rmmod_softib()
{
	load_ipoib
	IB_A=$(ib_port_to_ns softib0 1 "$NS_A" "$IP4_A" "$IP6_A") &&
		IB_B=$(ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B") &&
		wait_for "$WAIT" has_carrier "$NS_A" "$IB_A" &&
		wait_for "$WAIT" has_carrier "$NS_B" "$IB_B" &&
		wait_ping "$NS_A" "$IP4_B" "$WAIT"
	check_err $? "IPoIB did not come back after reloading it"
	tcp_bg "$NS_A" "$NS_B" "$IP4_B"
	check_err $? "no TCP traffic a->b"
	rmmod softib
	check_err $? "rmmod softib under traffic failed"
	! lsmod_has softib && ! ns_has_dev "$NS_A" "$IB_A"
	check_err $? "softib or its IPoIB devices still there"
	log_test "rmmod softib under traffic"
}

IB_CARRIER_TIMEOUT=$WAIT ib_pair_setup enhanced=1
test_detect
test_ping
test_tcp
test_verbs
test_mcast
test_child
test_spread
test_channels
test_connected
test_replace
test_rmmod_ipoib
test_rmmod_softib
