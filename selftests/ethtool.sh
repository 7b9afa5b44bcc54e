#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ethtool on a running pair (softib defaults: no UD checksum, no LSO):
#   -g/-G  ring sizes: the module parameters at first, max 8192; -G rounds
#          up to a power of two, refuses sizes out of bounds with the sizes
#          kept, and resizes a running interface without losing its
#          addresses, static neighbours, MTU or mode; carrier comes back,
#          traffic passes both ways (the peer learns the new QPN), the
#          device's CQs get the new sizes (<ibdev>/cqs), the other
#          interface keeps its sizes; also in connected mode
#   -l/-L  one RX and (by default) one TX channel; -L rx and combined
#          refused (-L tx: selftests/multiqueue.sh)
#   -k/-K  the features follow the device: GRO toggles, checksum offload
#          without device support is fixed off; with it (softib ud_csum=1
#          ud_tso=1) TCP uses LSO and checksum offload (softib's counters),
#          -K turns each off and on, data byte-exact in every state
#   -S     per-reason drop counters, each provoked: no path (static
#          neighbour with a GID no port has), path query failed (SA drops
#          PathRecords), queue full (a burst to an unresolved neighbour),
#          multicast not joined (send-only join refused), length (too big
#          for the broadcast group in connected mode), bad header (a packet
#          socket's unknown EtherType)
# The reference has no -G, -l or drop counters: those rows are XFAIL.
#
#   ns a  $IB_A 192.0.2.1  <== softib fabric + SM/SA ==>  ns b  $IB_B 192.0.2.2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ethtool ping python3

PARAMS=/sys/module/ib_ipoib/parameters
WAIT=30

# ring NS DEV FIELD: a "Current hardware settings" value of ethtool -g
# (FIELD RX or TX); "max" instead of NS reads the maximum.
ring()
{
	local which=$1 ns=$2 dev=$3 field=$4

	in_ns "$ns" ethtool -g "$dev" 2>/dev/null |
		awk -v f="$field:" -v w="$which" '
			/^Pre-set maximums/ { sect = "max" }
			/^Current hardware settings/ { sect = "cur" }
			$1 == f && sect == w { print $2; exit }'
}

# rings NS DEV: the current "TX/RX" ring sizes.
rings()
{
	echo "$(ring cur "$1" "$2" TX)/$(ring cur "$1" "$2" RX)"
}

# rings_are NS DEV TX RX: the current ring sizes (one ethtool -g).
rings_are()
{
	local out

	out=$(in_ns "$1" ethtool -g "$2" 2>/dev/null | awk '/^Current/ { c = 1 } c && /^(RX|TX):/ { printf "%s%s ", $1, $2 }')
	[ "$out" = "RX:$4 TX:$3 " ]
}

# stat_grew NAME BASE: counter NAME of $IB_A went above BASE.
stat_grew()
{
	local v

	v=$(ethtool_stat "$NS_A" "$IB_A" "$1")
	[ -n "$v" ] && [ "$v" -gt "${2:-0}" ]
}

# cq_total IBDEV: sum and count of the CQ sizes softib has for IBDEV.
cq_total()
{
	awk '$1 == "cq" { n++; s += $4 } END { print s + 0, n + 0 }' "$SIB_DBG/$1/cqs"
}

# state NS DEV: what -G must keep: addresses, MTU, mode, a static neighbour.
state()
{
	in_ns "$1" ip -br addr show dev "$2" | awk '{ $2 = ""; print }'
	in_ns "$1" cat "/sys/class/net/$2/mtu" "/sys/class/net/$2/mode"
	in_ns "$1" ip neigh show 192.0.2.99 dev "$2" nud permanent
}

# send_raw NS DEV: a packet socket frame (pseudo header, IPoIB header)
# with EtherType 0x88b5, which IPoIB does not carry.
send_raw()
{
	in_ns "$1" python3 - "$2" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
dst = bytes([0, 0, 0, 0x48]) + bytes([0xfe, 0x80]) + bytes(14)
s.send(dst + bytes([0x88, 0xb5, 0, 0]) + b"x" * 64)
PYEOF
}

# udp_burst NS DST COUNT SIZE [BROADCAST]: COUNT datagrams of SIZE bytes.
udp_burst()
{
	in_ns "$1" python3 - "$2" "$3" "$4" "${5:-0}" <<'PYEOF'
import socket, sys
dst, n, size, bcast = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for i in range(n):
    try:
        s.sendto(b"d" * size, (dst, 9))
    except OSError:
        pass
PYEOF
}

# resize_kept NS DEV TX RX PEER_IP: -G on a running interface: sizes as
# rounded, configuration kept, carrier back, traffic both ways.
resize_kept()
{
	local ns=$1 dev=$2 tx=$3 rx=$4 peer=$5 before after

	before=$(state "$ns" "$dev")
	in_ns "$ns" ethtool -G "$dev" tx "$tx" rx "$rx" 2>/dev/null
	check_err $? "ethtool -G $dev tx $tx rx $rx failed"
	after=$(state "$ns" "$dev")
	[ "$before" = "$after" ]
	check_err $? "-G changed the configuration: '$before' -> '$after'"
	wait_for "$WAIT" has_carrier "$ns" "$dev"
	check_err $? "$dev has no carrier after -G"
	wait_ping "$ns" "$peer" "$WAIT" && ping_ok "$ns" "$peer"
	check_err $? "no ping $ns -> $peer after -G"
}

test_ring_read()
{
	local sq rq

	sq=$(cat "$PARAMS/send_queue_size") rq=$(cat "$PARAMS/recv_queue_size")
	[ "$(ring max "$NS_A" "$IB_A" TX)/$(ring max "$NS_A" "$IB_A" RX)" = 8192/8192 ]
	(($? == 0)) || check_err 1 "ethtool -g maximums: TX/RX '$(ring max "$NS_A" "$IB_A" TX)/$(ring max "$NS_A" "$IB_A" RX)', expected 8192"
	rings_are "$NS_A" "$IB_A" "$sq" "$rq"
	(($? == 0)) || check_err 1 "ethtool -g current: TX/RX '$(rings "$NS_A" "$IB_A")', expected $sq/$rq (module parameters)"
	xfail_reference "no get_ringparam"
	log_test "ethtool -g: maximum 8192, current = send_queue_size/recv_queue_size"
}

test_ring_bad()
{
	local sq rq v err

	sq=$(cat "$PARAMS/send_queue_size") rq=$(cat "$PARAMS/recv_queue_size")
	for v in "tx 64" "rx 0" "tx 8193"; do
		# shellcheck disable=SC2086	# "tx N" is two words
		err=$(in_ns "$NS_A" ethtool -G "$IB_A" $v 2>&1)
		check_fail $? "ethtool -G $v accepted"
		[[ $err == *"Invalid argument"* ]] || [[ $err == *"out of range"* ]] ||
			[[ $err == *"exceeds maximum"* ]]
		check_err $? "ethtool -G $v: '$err', expected EINVAL"
		[ "$v" != "tx 64" ] || [[ $err == *"tx ring size must be"* ]]
		check_err $? "ethtool -G tx 64: no extack message ('$err')"
	done
	rings_are "$NS_A" "$IB_A" "$sq" "$rq"
	(($? == 0)) || check_err 1 "sizes changed by refused -G: $(rings "$NS_A" "$IB_A")"
	xfail_reference "no set_ringparam"
	log_test "ethtool -G: sizes out of bounds refused with EINVAL, sizes kept"
}

test_ring_resize()
{
	local cq0 cq1 sq rq

	sq=$(cat "$PARAMS/send_queue_size") rq=$(cat "$PARAMS/recv_queue_size")
	in_ns "$NS_A" ip neigh replace 192.0.2.99 dev "$IB_A" nud permanent \
		lladdr "$(ib_fake_lladdr "$(ib_addr "$NS_B" "$IB_B")")"
	read -r -a cq0 < <(cq_total softib0)
	resize_kept "$NS_A" "$IB_A" 200 300 "$IP4_B"
	rings_are "$NS_A" "$IB_A" 256 512
	(($? == 0)) || check_err 1 "after -G tx 200 rx 300: $(rings "$NS_A" "$IB_A"), expected 256/512"
	read -r -a cq1 < <(cq_total softib0)
	[ "${cq1[1]}" = "${cq0[1]}" ] && [ $((cq1[0] - cq0[0])) -eq $((256 - sq + 512 - rq)) ]
	(($? == 0)) || check_err 1 "softib0 CQs: ${cq0[*]} -> ${cq1[*]} (sum count), expected the sum to grow by $((256 - sq + 512 - rq))"
	wait_ping "$NS_B" "$IP4_A" "$WAIT" && ping_ok "$NS_B" "$IP4_A" && ping_ok "$NS_A" "$IP6_B"
	check_err $? "no ping $NS_B -> $IP4_A (the peer did not learn the new QPN) or no IPv6"
	rings_are "$NS_B" "$IB_B" "$sq" "$rq"
	(($? == 0)) || check_err 1 "$IB_B's rings changed: $(rings "$NS_B" "$IB_B")"
	xfail_reference "no set_ringparam"
	log_test "ethtool -G tx 200 rx 300: 256/512 on the device, configuration kept, traffic both ways"
}

test_channels()
{
	local out

	out=$(in_ns "$NS_A" ethtool -l "$IB_A" 2>&1 | awk '/^Current/ { c = 1 } c && /^(RX|TX|Combined):/ { printf "%s%s ", $1, $2 }')
	[ "$out" = "RX:1 TX:1 Combined:0 " ] || [ "$out" = "RX:1 TX:1 Combined:n/a " ]
	check_err $? "ethtool -l current: '$out', expected RX 1 TX 1 Combined 0"
	xfail_reference "no get_channels"
	log_test "ethtool -l: one RX and one TX channel"

	in_ns "$NS_A" ethtool -L "$IB_A" combined 2 2>/dev/null
	check_fail $? "ethtool -L combined 2 accepted"
	in_ns "$NS_A" ethtool -L "$IB_A" rx 2 2>/dev/null
	check_fail $? "ethtool -L rx 2 accepted"
	log_test "ethtool -L rx 2, combined 2: refused"
}

# features_read: ethtool -k of $IB_A into FEATURES.
features_read()
{
	FEATURES=$(in_ns "$NS_A" ethtool -k "$IB_A" 2>/dev/null)
}

# feature NAME: its state in FEATURES ("off [fixed]", "on", ...).
feature()
{
	awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' <<<"$FEATURES"
}

test_features()
{
	features_read
	[ "$(feature rx-checksumming)" = "off [fixed]" ] &&
		[ "$(feature tx-checksum-ipv4)" = "off [fixed]" ] &&
		[ "$(feature tx-tcp-segmentation)" = "off [fixed]" ]
	(($? == 0)) || check_err 1 "without ud_csum: rx '$(feature rx-checksumming)' tx-ipv4 '$(feature tx-checksum-ipv4)' tso '$(feature tx-tcp-segmentation)', expected off [fixed]"
	[ "$(feature generic-receive-offload)" = on ]
	(($? == 0)) || check_err 1 "generic-receive-offload '$(feature generic-receive-offload)', expected on"
	in_ns "$NS_A" ethtool -K "$IB_A" tx on gro off >/dev/null 2>&1
	features_read
	[ "$(feature tx-checksum-ipv4)" = "off [fixed]" ]
	(($? == 0)) || check_err 1 "ethtool -K tx on without device support: '$(feature tx-checksum-ipv4)'"
	[ "$(feature generic-receive-offload)" = off ]
	(($? == 0)) || check_err 1 "after -K gro off: '$(feature generic-receive-offload)'"
	in_ns "$NS_A" ethtool -K "$IB_A" gro on
	check_err $? "ethtool -K gro on failed"
	features_read
	[ "$(feature generic-receive-offload)" = on ]
	(($? == 0)) || check_err 1 "after -K gro on: '$(feature generic-receive-offload)'"
	log_test "ethtool -k/-K: checksum offload fixed off without the device's, GRO toggles"
}

DROPS="tx_drop_no_path tx_drop_path_query_failed tx_drop_queue_full tx_drop_mcast_not_joined
tx_drop_length tx_drop_not_ready tx_drop_ring_full tx_drop_flushed tx_drop_nomem
tx_drop_bad_header tx_drop_send_error rx_drop_length rx_drop_nomem"

test_drop_names()
{
	local n names

	names=" $(in_ns "$NS_A" ethtool -S "$IB_A" 2>/dev/null | awk -F: 'NR > 1 { gsub(/ /, "", $1); printf "%s ", $1 }')"
	for n in $DROPS; do
		[[ $names == *" $n "* ]]
		check_err $? "ethtool -S has no $n"
	done
	xfail_reference "no per-reason drop counters"
	log_test "ethtool -S: the per-reason drop counters"
}

# drop_case NAME COUNTER BASE: the counter grew within $WAIT seconds (no
# wait when the driver has no such counter).
drop_case()
{
	if [ -z "$3" ]; then
		check_err 1 "ethtool -S has no $2"
	else
		wait_for "$WAIT" stat_grew "$2" "$3"
		(($? == 0)) || check_err 1 "$2 stayed at '$(ethtool_stat "$NS_A" "$IB_A" "$2")' (was $3)"
	fi
	xfail_reference "no $2 counter"
	log_test "$1"
}

test_drops()
{
	local fake base base2 lladdr

	lladdr=$(ib_addr "$NS_B" "$IB_B")

	base=$(ethtool_stat "$NS_A" "$IB_A" tx_drop_bad_header)
	send_raw "$NS_A" "$IB_A"
	drop_case "tx_drop_bad_header: unknown EtherType from a packet socket" tx_drop_bad_header "$base"

	# a GID no port has: the SA answers "no such record"
	fake=$(ib_fake_lladdr "$lladdr")
	in_ns "$NS_A" ip neigh replace 192.0.2.77 dev "$IB_A" nud permanent lladdr "$fake"
	base=$(ethtool_stat "$NS_A" "$IB_A" tx_drop_no_path)
	in_ns "$NS_A" ping -q -c 2 -i 0.3 -W 1 192.0.2.77 >/dev/null 2>&1
	drop_case "tx_drop_no_path: static neighbour with a GID no port has" tx_drop_no_path "$base"

	# the SA drops PathRecord queries: the first 3 wait, the rest overflow
	fake=${fake%01}02
	in_ns "$NS_A" ip neigh replace 192.0.2.78 dev "$IB_A" nud permanent lladdr "$fake"
	base=$(ethtool_stat "$NS_A" "$IB_A" tx_drop_path_query_failed)
	base2=$(ethtool_stat "$NS_A" "$IB_A" tx_drop_queue_full)
	sib_sa_set "path=drop"
	udp_burst "$NS_A" 192.0.2.78 10 100
	drop_case "tx_drop_queue_full: a burst to an unresolved neighbour" tx_drop_queue_full "$base2"
	drop_case "tx_drop_path_query_failed: the SA drops PathRecord queries" tx_drop_path_query_failed "$base"
	sib_sa_restore

	# a send-only join refused: the group's waiting packets are dropped
	in_ns "$NS_A" ip route replace 224.0.0.0/4 dev "$IB_A"
	base=$(ethtool_stat "$NS_A" "$IB_A" tx_drop_mcast_not_joined)
	sib_sa_set "join=reject"
	udp_burst "$NS_A" 239.1.2.3 100 100
	drop_case "tx_drop_mcast_not_joined: send-only join refused" tx_drop_mcast_not_joined "$base"
	sib_sa_restore
}

# Connected mode: -G resizes the UD rings and keeps the mode and its MTU;
# a broadcast larger than the group's MTU is a length drop.
test_connected()
{
	local base mtu sq rq

	require_feature connected "ethtool -G and tx_drop_length in connected mode" || return
	sq=$(cat "$PARAMS/send_queue_size") rq=$(cat "$PARAMS/recv_queue_size")
	cm_set_mode "$NS_A" "$IB_A" connected
	check_err $? "cannot switch $IB_A to connected mode"
	mtu=$(in_ns "$NS_A" cat "/sys/class/net/$IB_A/mtu")
	resize_kept "$NS_A" "$IB_A" "$sq" "$rq" "$IP4_B"
	rings_are "$NS_A" "$IB_A" "$sq" "$rq"
	(($? == 0)) || check_err 1 "after -G tx $sq rx $rq: $(rings "$NS_A" "$IB_A")"
	cm_is "$NS_A" "$IB_A" connected "$mtu"
	(($? == 0)) || check_err 1 "mode '$(cm_mode "$NS_A" "$IB_A")' MTU '$(in_ns "$NS_A" cat "/sys/class/net/$IB_A/mtu")' after -G (was connected, $mtu)"
	xfail_reference "no set_ringparam"
	log_test "ethtool -G in connected mode: UD rings resized, mode and MTU $mtu kept, ping"

	base=$(ethtool_stat "$NS_A" "$IB_A" tx_drop_length)
	udp_burst "$NS_A" 192.0.2.255 2 6000 1
	drop_case "tx_drop_length: a broadcast above the group's MTU (connected mode)" tx_drop_length "$base"
}

# offload_round WHAT: 1 MB over TCP from a to b, byte-exact; LSO and CSUM
# get how many LSO work requests and checksum-offloaded sends softib0
# port 1 (a's port) counted meanwhile.
offload_round()
{
	local lso csum

	lso=$(sib_counter softib0 1 xmit_lso)
	csum=$(sib_counter softib0 1 xmit_csum)
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 1000000
	check_err $? "$1: the transfer did not arrive byte-exact"
	LSO=$(($(sib_counter softib0 1 xmit_lso) - lso))
	CSUM=$(($(sib_counter softib0 1 xmit_csum) - csum))
	log_info "$1: $LSO LSO work requests, $CSUM checksum-offloaded sends"
}

# offloads_set NS DEV ARGS...: ethtool -K, logged.
offloads_set()
{
	local ns=$1 dev=$2

	shift 2
	log_info "ethtool -K $dev $*"
	in_ns "$ns" ethtool -K "$dev" "$@"
}

# With the device's UD checksum and LSO (softib ud_csum=1 ud_tso=1) the
# features start on and the driver uses them: TCP goes out as LSO work
# requests, segments with checksums left to the device; -K turns each off
# (the device then sees neither) and on again; data arrives intact in
# every state, also with the receiver's rx checksumming off.
test_offload_traffic()
{
	lib_cleanup
	load_softib ud_csum=1 ud_tso=1
	ib_pair_setup
	if [ -z "$(sib_counter softib0 1 xmit_lso)" ]; then
		log_test_skip "offloads used by the traffic" "softib counts no xmit_lso"
		return
	fi
	features_read
	[ "$(feature tx-checksum-ipv4)" = on ] && [ "$(feature rx-checksumming)" = on ] &&
		[ "$(feature tx-tcp-segmentation)" = on ]
	(($? == 0)) || check_err 1 "with ud_csum and ud_tso: tx-ipv4 '$(feature tx-checksum-ipv4)' rx '$(feature rx-checksumming)' tso '$(feature tx-tcp-segmentation)', expected on"
	offload_round "TSO and checksum offload on"
	[ "$LSO" -gt 0 ] || check_err 1 "TSO on: no LSO work request reached the device"
	offloads_set "$NS_A" "$IB_A" tso off
	check_err $? "ethtool -K tso off failed"
	offload_round "TSO off"
	[ "$LSO" = 0 ] || check_err 1 "TSO off: $LSO LSO work requests"
	[ "$CSUM" -gt 100 ] || check_err 1 "TSO off, tx checksumming on: only $CSUM checksum-offloaded sends"
	offloads_set "$NS_A" "$IB_A" tx off && offloads_set "$NS_B" "$IB_B" rx off
	check_err $? "ethtool -K tx off / rx off failed"
	offload_round "checksums in software at both ends"
	[ "$LSO" = 0 ] && [ "$CSUM" = 0 ]
	(($? == 0)) || check_err 1 "tx off: $LSO LSO work requests, $CSUM checksum-offloaded sends"
	offloads_set "$NS_A" "$IB_A" tx on tso on && offloads_set "$NS_B" "$IB_B" rx on
	check_err $? "ethtool -K back on failed"
	offload_round "back on"
	[ "$LSO" -gt 0 ] || check_err 1 "TSO on again: no LSO work request"
	log_test "UD checksum and LSO offloads: used when on, unused when off, data intact either way"
}

ib_pair_setup
test_ring_read
test_ring_bad
test_ring_resize
test_channels
test_features
test_drop_names
test_drops
test_connected
test_offload_traffic
