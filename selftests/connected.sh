#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPoIB connected mode (RFC 4755) on a default fabric (SRQ, 32 SGEs):
#   - the hardware address carries the RC flag (byte 0, 0x80) in both
#     modes; connected mode reads "connected" with MTU 65520
#   - 65492-byte IPv4 and 65472-byte IPv6 pings with DF both ways; iperf3
#     TCP each way (the Mbit/s of each direction are logged)
#   - receive pages reused (ours): 7000-byte pings both ways take fewer
#     than one page from the page allocator per 4 packets received
#   - debugfs <ifname>_cm (ours): one "tx ... state up" line toward the
#     peer, one "rx ... state live" from it, QPNs that match the peer's file
#   - mode file: garbage, an empty line and a mode without its newline
#     (`echo -n`) give EINVAL, as with the reference; the current mode is a
#     no-op
#   - mixed modes (a connected, b datagram): b still accepts connections,
#     so a reaches b over RC at 65520 (DF pings, no PMTU exception on a's
#     route), b answers over UD at its datagram MTU; TCP both ways
#   - mode switches under traffic (ping + iperf3): both ends, repeatedly;
#     every write succeeds, traffic flows in every state, iperf3 completes
#   - mode switches while down: the MTU is the mode's after the link is up
#   - neighbour GC (ours): an idle peer's connections are torn down (the
#     debugfs lines go), the next packet builds a new one
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |    RC (CM)      | $IB_B  192.0.2.2/24   |
#   | mode connected        |<--------------->| mode connected        |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature connected
require_cmd ping iperf3 ss socat python3

GC_SYSCTL=/proc/sys/net/ipv4/neigh/default/gc_interval
# the ARP gc_interval while this script runs: the driver collects neighbours
# idle for twice that, so it must outlast a step of the script under load
GC_INTERVAL=9
# one cycle on the debug kernel (RIG_SLOW > 1), two elsewhere
CYCLES=${CYCLES:-$([ "${RIG_SLOW:-1}" -gt 1 ] && echo 1 || echo 2)}

DBG_WHY="debugfs ipoib/<ifname>_cm is ours only"

# ---------------------------------------------------------------- cases

test_rc_flag_datagram()
{
	cm_is "$NS_A" "$IB_A" datagram "$DGRAM_MTU" && cm_is "$NS_B" "$IB_B" datagram "$DGRAM_MTU"
	(($? == 0)) || check_err 1 "not in datagram mode at $DGRAM_MTU after load: $IB_A $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"), $IB_B $(cm_mode "$NS_B" "$IB_B")/$(ib_mtu "$NS_B" "$IB_B")"
	cm_rc_flag "$NS_A" "$IB_A" && cm_rc_flag "$NS_B" "$IB_B"
	(($? == 0)) || check_err 1 "no RC flag (0x80) in byte 0 in datagram mode: $IB_A $(ib_addr "$NS_A" "$IB_A"), $IB_B $(ib_addr "$NS_B" "$IB_B")"
	log_test "datagram mode: the hw address carries the RC flag 0x80"
}

test_to_connected()
{
	cm_set_mode "$NS_A" "$IB_A" connected
	check_err $? "cannot switch $IB_A to connected mode"
	cm_set_mode "$NS_B" "$IB_B" connected
	check_err $? "cannot switch $IB_B to connected mode"
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU" && cm_is "$NS_B" "$IB_B" connected "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "expected connected/$IPOIB_CM_MTU: $IB_A $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"), $IB_B $(cm_mode "$NS_B" "$IB_B")/$(ib_mtu "$NS_B" "$IB_B")"
	cm_rc_flag "$NS_A" "$IB_A" && cm_rc_flag "$NS_B" "$IB_B"
	(($? == 0)) || check_err 1 "no RC flag (0x80) in connected mode: $IB_A $(ib_addr "$NS_A" "$IB_A"), $IB_B $(ib_addr "$NS_B" "$IB_B")"
	log_test "switch both to connected: mode reads connected, MTU $IPOIB_CM_MTU, RC flag kept"
}

test_big_pings()
{
	# a's first packet opens a's connection (a active), b's reply b's.
	wait_ping "$NS_A" "$IP4_B" 10
	check_err $? "no IPv4 ping a->b in connected mode"
	ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "IPv4 ping -s $((IPOIB_CM_MTU - 28)) -M do a->b failed"
	ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "IPv4 ping -s $((IPOIB_CM_MTU - 28)) -M do b->a failed"
	ping_ok "$NS_A" "$IP4_B" -s $((IPOIB_CM_MTU - 27)) -M "do"
	(($? != 0)) || check_fail 0 "IPv4 ping -s $((IPOIB_CM_MTU - 27)) -M do passed above the MTU"
	log_test "connected: IPv4 $((IPOIB_CM_MTU - 28))-byte DF ping both ways"

	ping_df "$NS_A" "$IP6_B" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "IPv6 ping -s $((IPOIB_CM_MTU - 48)) -M do a->b failed"
	ping_df "$NS_B" "$IP6_A" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "IPv6 ping -s $((IPOIB_CM_MTU - 48)) -M do b->a failed"
	log_test "connected: IPv6 $((IPOIB_CM_MTU - 48))-byte DF ping both ways"
}

# iperf_dir SRC_NS DST_NS DST_ADDR WHAT
iperf_dir()
{
	local out rate

	out=$(mktemp)
	iperf3_run "$1" "$2" "$3" "$out" -t 2
	(($? == 0)) || check_err 1 "iperf3 TCP $4 failed: $(tail -n 3 "$out")"
	rate=$(iperf3_rate "$out")
	log_info "iperf3 tcp connected $4 (MTU $IPOIB_CM_MTU): ${rate:-0} Mbit/s"
	awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }'
	check_err $? "no throughput $4"
	rm -f "$out"
}

# both_cm: both ends connected at 65520.
both_cm()
{
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU" && cm_is "$NS_B" "$IB_B" connected "$IPOIB_CM_MTU"
}

test_iperf()
{
	both_cm
	check_err $? "not both connected at $IPOIB_CM_MTU"
	iperf_dir "$NS_A" "$NS_B" "$IP4_B" "a->b"
	iperf_dir "$NS_B" "$NS_A" "$IP4_A" "b->a"
	log_test "connected: iperf3 TCP a->b and b->a at MTU $IPOIB_CM_MTU"
}

# A packet above the copybreak leaves with its pages (7000 bytes: more than
# the reference's 4 KiB head, and the echo request and reply still slab
# objects on the sending side).
test_rx_page_reuse()
{
	both_cm
	check_err $? "not both connected at $IPOIB_CM_MTU"
	rx_page_case "connected: receive pages come back through a page pool (7000-byte pings, < 1 page allocated per 4 packets)" \
		7000 "the reference takes a fresh page for every received packet longer than its 4 KiB head"
}

# dbg_lines_ok DEV: every line of DEV's _cm file has the documented form
# (a "stats NAME N ..." line allowed besides the connections).
dbg_lines_ok()
{
	local bad

	bad=$(grep -Ev '^(stats( [a-z_]+ [0-9]+)+|tx ([0-9a-fA-F]{2}:){19}[0-9a-fA-F]{2} state (pending|up) qpn 0x[0-9a-fA-F]+ remote_qpn 0x[0-9a-fA-F]+ mtu [0-9]+ age_ms [0-9]+|rx [0-9a-fA-F:]+ state (live|draining) qpn 0x[0-9a-fA-F]+ remote_qpn 0x[0-9a-fA-F]+ age_ms [0-9]+)$' "$(cm_dbg "$1")")
	[ -z "$bad" ] || { log_info "$(cm_dbg "$1"): malformed: $bad"; return 1; }
}

# dbg_settled: after a ping each way, a has one tx up toward b and one rx
# live from b (a connection torn down by the short GC of this script is
# being replaced otherwise).
dbg_settled()
{
	ping_once "$NS_A" "$IP4_B" && ping_once "$NS_B" "$IP4_A" || return 1
	[ "$(cm_dbg_tx "$IB_A" "$ADDR_B" | grep -c ' state up ')" = 1 ] &&
		[ "$(cm_dbg_rx "$IB_A" "$GID_B" | grep -c ' state live ')" = 1 ] &&
		grep -q '^rx .* state live ' "$(cm_dbg "$IB_B")"
}

test_debugfs()
{
	local fa fb tx rx rxb n

	fa=$(cm_dbg "$IB_A") fb=$(cm_dbg "$IB_B")
	# fresh traffic both ways (the GC is 2 x $GC_INTERVAL s here)
	ping_once "$NS_A" "$IP4_B" && ping_once "$NS_B" "$IP4_A"
	check_err $? "no ping both ways before reading debugfs"
	[ "$RET" = 0 ] && [ -r "$fa" ] && wait_for 10 dbg_settled
	[ -r "$fa" ] && [ -r "$fb" ]
	(($? == 0)) || check_err 1 "no $fa / $fb: $(echo "$IPOIB_DBG"/*)"
	if [ "$RET" = 0 ]; then
		log_info "$fa: $(tr '\n' ';' <"$fa")"
		log_info "$fb: $(tr '\n' ';' <"$fb")"
		dbg_lines_ok "$IB_A" && dbg_lines_ok "$IB_B"
		check_err $? "a line of $fa or $fb is not 'tx <hwaddr> state pending|up qpn 0x.. remote_qpn 0x.. mtu N age_ms N' or 'rx <gid> state live|draining qpn 0x.. remote_qpn 0x.. age_ms N'"
		tx=$(cm_dbg_tx "$IB_A" "$ADDR_B")
		n=$(grep -c . <<<"$tx")
		[ "$n" = 1 ] && [ "$(cm_dbg_field "$tx" state)" = up ]
		check_err $? "$fa: expected one tx line toward $ADDR_B in state up, got $n: $tx"
		[ "$(cm_dbg_field "$tx" mtu)" = "$IPOIB_CM_MTU" ]
		(($? == 0)) || check_err 1 "$fa: tx toward b has mtu '$(cm_dbg_field "$tx" mtu)', expected $IPOIB_CM_MTU (b's receive size 65524 - 4)"
		rx=$(cm_dbg_rx "$IB_A" "$GID_B")
		n=$(grep -c . <<<"$rx")
		[ "$n" = 1 ] && [ "$(cm_dbg_field "$rx" state)" = live ]
		check_err $? "$fa: expected one rx line from $GID_B in state live, got $n: $rx"
		# a's tx QP talks to b's rx QP
		# b's rx whose peer QP is a's tx QP
		rxb=$(awk -v q="$(cm_dbg_field "$tx" qpn)" '$1 == "rx" && $0 ~ " remote_qpn " q " "' "$fb")
		[ -n "$tx" ] && [ "$(cm_dbg_field "$rxb" qpn)" = "$(cm_dbg_field "$tx" remote_qpn)" ] &&
			[ "$(cm_dbg_field "$rxb" remote_qpn)" = "$(cm_dbg_field "$tx" qpn)" ]
		check_err $? "a's tx ($tx) and b's rx from a ($rxb) do not name each other's QPNs"
	fi
	xfail_reference "$DBG_WHY"
	log_test "debugfs ${IB_A}_cm: one tx up toward b (mtu $IPOIB_CM_MTU), one rx live from b, QPNs match b's file"
}

# mode_write_fails NS DEV STRING: a single write(2) of STRING (as given, no
# newline added) to the mode file fails with EINVAL.
mode_write_fails()
{
	local err

	# shellcheck disable=SC2016	# expanded by the inner bash
	if err=$("${NSEXEC[@]}" "$1" bash -c 'printf "%s" "$2" >"$1"' _ "/sys/class/net/$2/mode" "$3" 2>&1); then
		return 1
	fi
	[[ "$err" == *"Invalid argument"* ]]
}

test_mode_writes()
{
	local s

	for s in garbage $'garbage\n' $'\n' "connected" "datagram" $'Connected\n'; do
		mode_write_fails "$NS_A" "$IB_A" "$s"
		(($? == 0)) || check_err 1 "writing $(printf %q "$s") to mode did not fail with EINVAL"
	done
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "$IB_A is $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A") after refused writes"
	log_test "mode: garbage, empty, 'Connected' and mode names without newline (echo -n): EINVAL"

	cm_set_mode "$NS_A" "$IB_A" connected
	check_err $? "writing the current mode failed"
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU" && ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "after writing the current mode: $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A") or no 65520 DF ping"
	log_test "mode: writing the current mode succeeds and changes nothing"
}

test_mixed()
{
	local m

	cm_set_mode "$NS_B" "$IB_B" datagram
	check_err $? "cannot switch $IB_B to datagram"
	cm_is "$NS_B" "$IB_B" datagram "$DGRAM_MTU" && cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "mixed: $IB_B is $(cm_mode "$NS_B" "$IB_B")/$(ib_mtu "$NS_B" "$IB_B"), $IB_A $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"); expected datagram/$DGRAM_MTU, connected/$IPOIB_CM_MTU"
	wait_ping "$NS_A" "$IP4_B" 10 && ping_ok "$NS_B" "$IP4_A"
	check_err $? "mixed modes: no ping both ways"
	log_test "mixed modes (a connected, b datagram): ping both ways"

	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 2000000
	check_err $? "mixed: 2000000 bytes a (connected) -> b (datagram) not intact"
	tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 2000000
	check_err $? "mixed: 2000000 bytes b (datagram) -> a (connected) not intact"
	log_test "mixed modes: 2 MB TCP transfer intact both ways"

	# b in datagram mode still accepts connections (its address keeps
	# the RC flag): a sends over RC at its MTU, b answers over UD with
	# its own MTU (fragmenting the echo replies).
	ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "mixed: IPv4 ping -s $((IPOIB_CM_MTU - 28)) -M do a->b failed"
	ping_df "$NS_A" "$IP6_B" "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "mixed: IPv6 ping -s $((IPOIB_CM_MTU - 48)) -M do a->b failed"
	ping_df "$NS_B" "$IP4_A" "$DGRAM_MTU"
	(($? == 0)) || check_err 1 "mixed: IPv4 ping -s $((DGRAM_MTU - 28)) -M do b->a failed"
	ping_ok "$NS_B" "$IP4_A" -s $((DGRAM_MTU - 27)) -M "do"
	check_fail $? "mixed: b (datagram) sent a DF ping above its MTU $DGRAM_MTU"
	m=$(route_mtu "$NS_A" "$IP4_B")
	log_info "mixed: a's route to b: $(ip -n "$NS_A" route get "$IP4_B" | tr '\n' ' '); b's to a: $(ip -n "$NS_B" route get "$IP4_A" | tr '\n' ' ')"
	[ -z "$m" ] || [ "$m" = "$IPOIB_CM_MTU" ]
	check_err $? "mixed: a's route to b has a PMTU of $m after traffic, expected none ($IPOIB_CM_MTU over RC)"
	m=$(route_mtu "$NS_A" "$IP6_B")
	[ -z "$m" ] || [ "$m" = "$IPOIB_CM_MTU" ]
	check_err $? "mixed: a's IPv6 route to b has a PMTU of $m, expected none"
	log_test "mixed modes: a reaches the datagram peer over RC at $IPOIB_CM_MTU (no PMTU exception), b answers at $DGRAM_MTU"

	cm_set_mode "$NS_B" "$IB_B" connected
	check_err $? "cannot switch $IB_B back to connected"
	wait_ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU" 10
	check_err $? "no 65520 DF ping b->a once b is connected again"
	log_test "mixed modes: b back to connected, 65520 both ways"
}

# ping_replies FILE: replies a background ping has printed so far.
ping_replies()
{
	count_lines "$1" "" "bytes from"
}

# replies_beyond FILE N: more than N replies.
replies_beyond()
{
	[ "$(ping_replies "$1")" -gt "$2" ]
}

# switch_step NS DEV MODE PINGOUT: one mode write under traffic; the mode,
# the MTU and traffic (a new ping reply) afterwards.
switch_step()
{
	local ns=$1 dev=$2 mode=$3 out=$4 mtu=$IPOIB_CM_MTU n t0

	[ "$mode" = datagram ] && mtu=$DGRAM_MTU
	n=$(ping_replies "$out")
	t0=$EPOCHREALTIME
	cm_set_mode "$ns" "$dev" "$mode"
	check_err $? "under traffic: writing $mode to $dev's mode failed"
	cm_is "$ns" "$dev" "$mode" "$mtu"
	(($? == 0)) || check_err 1 "under traffic: $dev is $(cm_mode "$ns" "$dev")/$(ib_mtu "$ns" "$dev") after writing $mode, expected $mode/$mtu"
	wait_for 10 replies_beyond "$out" "$n"
	(($? == 0)) || check_err 1 "under traffic: the ping a->b stalled after $dev went $mode ($(ping_replies "$out") replies, $n before)"
	log_info "$dev -> $mode: the next ping reply $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s after the write began"
}

test_switch_under_traffic()
{
	local pout iout ipid ppid srv rc i t0 rcvd

	pout=$(mktemp) iout=$(mktemp)
	defer rm -f "$pout" "$iout"
	bg_start "$NS_A" "$pout" ping -i 0.05 -s 1400 "$IP4_B"
	ppid=$BG_PID
	bg_start "$NS_B" /dev/null iperf3 -s -1 -B "$IP4_B" -p 5202
	srv=$BG_PID
	wait_for 10 listening "$NS_B" 5202
	check_err $? "no iperf3 server"
	# paced, so that the pings and mode writes get CPU time in the guest
	ip netns exec "$NS_A" iperf3 -c "$IP4_B" -p 5202 -t 6 -b 100M -J >"$iout" 2>&1 &
	ipid=$!
	defer bg_stop "$ipid"
	wait_for 10 replies_beyond "$pout" 5
	check_err $? "the background ping got no replies"
	t0=$SECONDS
	for ((i = 1; i <= CYCLES && RET == 0; i++)); do
		switch_step "$NS_A" "$IB_A" datagram "$pout"
		switch_step "$NS_B" "$IB_B" datagram "$pout"
		switch_step "$NS_A" "$IB_A" connected "$pout"
		switch_step "$NS_B" "$IB_B" connected "$pout"
	done
	log_info "$CYCLES cycles of 4 switches under traffic in $((SECONDS - t0)) s"
	wait_for 30 pid_gone "$ipid"
	wait "$ipid"
	rc=$?
	rcvd=$(json_get "$iout" end sum_received bytes)
	log_info "iperf3 across the switches: status $rc, ${rcvd:-?} bytes received"
	[ "$rc" = 0 ] && [ "${rcvd:-0}" -gt 0 ]
	(($? == 0)) || check_err 1 "iperf3 across the mode switches failed (status $rc): $(json_get "$iout" error)"
	bg_stop "$srv"
	# (the GC case needs a and b idle later)
	bg_stop "$ppid"
	log_test "mode switches under ping + iperf3 ($CYCLES x a,b datagram and back): every write succeeds, traffic flows"

	both_cm
	(($? == 0)) || check_err 1 "after the switches: $IB_A $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"), $IB_B $(cm_mode "$NS_B" "$IB_B")/$(ib_mtu "$NS_B" "$IB_B")"
	ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" && ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU" &&
		ping_df "$NS_A" "$IP6_B" "$IPOIB_CM_MTU"
	check_err $? "after the switches: no 65520 DF pings both ways"
	log_test "after the switches: connected, MTU $IPOIB_CM_MTU, 65520 DF pings both ways"
}

# carrier_back NS DEV
carrier_back()
{
	ip -n "$1" link set dev "$2" up && wait_for 20 has_carrier "$1" "$2"
}

test_switch_while_down()
{
	ip -n "$NS_A" link set dev "$IB_A" down
	cm_set_mode "$NS_A" "$IB_A" datagram
	check_err $? "writing datagram while down failed"
	cm_is "$NS_A" "$IB_A" datagram "$DGRAM_MTU"
	(($? == 0)) || check_err 1 "down: $IB_A is $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A") after writing datagram"
	carrier_back "$NS_A" "$IB_A"
	check_err $? "$IB_A: no carrier after up"
	cm_is "$NS_A" "$IB_A" datagram "$DGRAM_MTU"
	(($? == 0)) || check_err 1 "up: $IB_A is $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"), expected datagram/$DGRAM_MTU"
	wait_ping_df "$NS_A" "$IP4_B" "$DGRAM_MTU" 10
	check_err $? "no $DGRAM_MTU DF ping a->b after up in datagram mode"
	log_test "down, datagram, up: MTU $DGRAM_MTU, traffic flows"

	ip -n "$NS_A" link set dev "$IB_A" down
	cm_set_mode "$NS_A" "$IB_A" connected
	check_err $? "writing connected while down failed"
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "down: $IB_A is $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A") after writing connected"
	carrier_back "$NS_A" "$IB_A"
	check_err $? "$IB_A: no carrier after up"
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "up: $IB_A is $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"), expected connected/$IPOIB_CM_MTU"
	wait_ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" 10 && ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU"
	check_err $? "no 65520 DF pings both ways after up in connected mode"
	log_test "down, connected, up: MTU $IPOIB_CM_MTU, 65520 DF pings both ways"
}

# no_tx_to_b / no_rx_from_a: the connections between a and b are gone.
no_tx_to_b()
{
	[ -r "$(cm_dbg "$IB_A")" ] && [ -z "$(cm_dbg_tx "$IB_A" "$ADDR_B")" ]
}

no_rx_from_a()
{
	[ -r "$(cm_dbg "$IB_B")" ] && [ -z "$(cm_dbg_rx "$IB_B" "$GID_A")" ]
}

tx_up_to_b()
{
	[ "$(cm_dbg_field "$(cm_dbg_tx "$IB_A" "$ADDR_B")" state)" = up ]
}

test_gc_teardown()
{
	local tx0 tx1 t0

	ping_once "$NS_A" "$IP4_B"
	check_err $? "no ping a->b"
	[ -r "$(cm_dbg "$IB_A")" ]
	(($? == 0)) || check_err 1 "no $(cm_dbg "$IB_A")"
	if [ "$RET" = 0 ]; then
		tx0=$(cm_dbg_tx "$IB_A" "$ADDR_B")
		tx_up_to_b
		check_err $? "no tx up line toward b after a ping: '$tx0'"
	fi
	if [ "$RET" = 0 ]; then
		# idle from here: the neighbour GC (every $GC_INTERVAL s,
		# entries idle for 2 x that) frees b's neighbour on a
		t0=$SECONDS
		wait_for $((GC_INTERVAL * 8)) no_tx_to_b
		(($? == 0)) || check_err 1 "a's tx connection to b still listed after $((GC_INTERVAL * 8)) s idle (gc_interval $GC_INTERVAL s): $(cm_dbg_tx "$IB_A" "$ADDR_B")"
		log_info "a's tx line toward b gone after $((SECONDS - t0)) s idle"
		wait_for 10 no_rx_from_a
		(($? == 0)) || check_err 1 "b still lists its rx connection from a: $(cm_dbg_rx "$IB_B" "$GID_A")"
	fi
	xfail_reference "$DBG_WHY"
	log_test "neighbour GC: an idle peer's connections are torn down (debugfs lines gone on both ends)"

	wait_ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" 10
	check_err $? "no 65520 DF ping a->b after the GC"
	if [ "$IPOIB" = ours ]; then
		wait_for 5 tx_up_to_b
		(($? == 0)) || check_err 1 "no new tx up line toward b after the GC: $(cm_dbg_tx "$IB_A" "$ADDR_B")"
		tx1=$(cm_dbg_tx "$IB_A" "$ADDR_B")
		[ "$(cm_dbg_field "$tx1" qpn)" != "$(cm_dbg_field "$tx0" qpn)" ]
		check_err $? "the tx connection after the GC has the old QPN: '$tx0' / '$tx1'"
	fi
	log_test "after the GC: the next packet opens a new connection, 65520 DF ping"
}

# ---------------------------------------------------------------- main

GC_SAVED=$(cat "$GC_SYSCTL")
defer sh -c "echo $GC_SAVED >$GC_SYSCTL"
# Before the module loads: the drivers arm their neighbour GC with it.
echo "$GC_INTERVAL" >"$GC_SYSCTL" || fail_all "cannot set $GC_SYSCTL" "setup"
ib_pair_setup
DGRAM_MTU=$(ib_mtu "$NS_A" "$IB_A")
ADDR_B=$(ib_addr "$NS_B" "$IB_B")
GID_A=$(sib_gid softib0 1)
GID_B=$(sib_gid softib1 1)

test_rc_flag_datagram
test_to_connected
test_big_pings
test_iperf
test_rx_page_reuse
test_debugfs
test_mode_writes
test_mixed
test_switch_under_traffic
test_switch_while_down
test_gc_teardown
