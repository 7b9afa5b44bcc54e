#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPoIB connected mode under faults and lifetime events:
#   - fabric/faults drop=10000 (1% of data packets lost; over RC the
#     requester's retry rules see a loss, and with the retry count 0 of RFC
#     4755 implementations the connection dies and is rebuilt): a 10 MB TCP
#     transfer b->a arrives intact (sha256) while a pings b every 10 ms;
#     the fabric did drop packets
#   - fabric/faults duplicate=10000: a 10 MB transfer a->b intact (softib
#     duplicates UD packets only, the RC PSN check would discard the copies:
#     here ARP/ND, resolved afresh, and broadcast pings sent alongside get
#     them; the fabric did duplicate packets)
#   - the peer's port down, then up: carrier and 65520-byte DF pings recover
#   - the peer's interface down, then up (its connections are destroyed,
#     a still holds one toward it): a notices and reconnects
#   - (ours, debugfs) afterwards one tx and one rx connection each way, the
#     rx naming the peer's tx QP: the killed connections left nothing stale
#   - ib_ipoib reloaded (both ends share the kernel, so both restart):
#     connected again, traffic and TCP at 65520
#   - the peer's HCA unplugged and plugged back (softib1/replace) under
#     connected traffic: its new interface connects again at 65520
#   - rmmod ib_ipoib under connected iperf3 + big pings: no hang, the
#     module and its devices gone, softib unloads, loads and unloads again
#
#   ns a                                      ns b
#   $IB_A 192.0.2.1 (softib0 port 1)  <->     $IB_B 192.0.2.2 (softib1 port 1)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature connected
require_cmd ping iperf3 socat ss cmp python3

# 10 MB, 4 MB on the debug kernel (RIG_SLOW > 1)
SIZE=${SIZE:-$([ "${RIG_SLOW:-1}" -gt 1 ] && echo 4194304 || echo 10485760)}
FAULTS=$SIB_DBG/fabric/faults
RECOVER=${RECOVER:-20}
BCAST4=192.0.2.255

# port_counter NAME: NAME summed over softib0 and softib1 port 1.
port_counter()
{
	local n=0 v d

	for d in softib0 softib1; do
		v=$(sib_counter "$d" 1 "$1")
		n=$((n + ${v:-0}))
	done
	echo "$n"
}

both_connected()
{
	cm_set_mode "$NS_A" "$IB_A" connected && cm_set_mode "$NS_B" "$IB_B" connected &&
		cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU" &&
		cm_is "$NS_B" "$IB_B" connected "$IPOIB_CM_MTU"
}

# cm_diag: what a failure report needs: routes, modes, the _cm files.
cm_diag()
{
	local f

	log_info "diag: a: $(cm_mode "$NS_A" "$IB_A")/$(ib_mtu "$NS_A" "$IB_A"), route to b: $(ip -n "$NS_A" route get "$IP4_B" | tr '\n' ' ')"
	log_info "diag: b: $(cm_mode "$NS_B" "$IB_B")/$(ib_mtu "$NS_B" "$IB_B"), route to a: $(ip -n "$NS_B" route get "$IP4_A" | tr '\n' ' ')"
	log_info "diag: small ping a->b: $(ping_once "$NS_A" "$IP4_B" && echo ok || echo fails)"
	for f in "$(cm_dbg "$IB_A")" "$(cm_dbg "$IB_B")"; do
		[ -r "$f" ] && log_info "diag: $f: $(tr '\n' ';' <"$f")"
	done
	return 0
}

# big_pings_both TIMEOUT: within TIMEOUT s a 65520 DF ping a->b passes,
# then three each way (on failure the state is logged).
big_pings_both()
{
	wait_ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" "$1" &&
		ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" &&
		ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU" && return 0
	cm_diag
	return 1
}

# ---------------------------------------------------------------- faults

# counter_beyond NAME N: port_counter NAME is above N.
counter_beyond()
{
	[ "$(port_counter "$1")" -gt "$2" ]
}

test_drop()
{
	local d0 d1 ppid

	d0=$(port_counter drop_fault)
	sib_write "$FAULTS" "drop=10000"
	check_err $? "cannot set drop=10000"
	# A 10 MB transfer is only ~250 RC messages at this MTU: pings
	# alongside (each loss kills a connection too) make a drop certain.
	bg_start "$NS_A" /dev/null ping -q -i 0.01 -s 100 "$IP4_B"
	ppid=$BG_PID
	tcp_transfer "$NS_B" "$NS_A" "$IP4_A" "$SIZE"
	check_err $? "connected, 1% drop: $SIZE bytes b -> a not intact"
	wait_for 5 counter_beyond drop_fault "$d0"
	bg_stop "$ppid"
	d1=$(port_counter drop_fault)
	sib_write "$FAULTS" "drop=0"
	log_info "1% drop: the fabric dropped $((d1 - d0)) packets, $(port_counter rc_retries) RC retries so far"
	[ $((d1 - d0)) -gt 0 ]
	check_err $? "the fabric dropped nothing: the fault injection did not act"
	cm_is "$NS_A" "$IB_A" connected "$IPOIB_CM_MTU" && big_pings_both 10
	check_err $? "no 65520 DF pings after the drop case"
	log_test "connected, drop=10000: $SIZE bytes b->a intact, 65520 DF pings after"
}

test_duplicate()
{
	local d0 d1 bpid

	d0=$(port_counter fault_duplicate)
	sib_write "$FAULTS" "duplicate=10000"
	check_err $? "cannot set duplicate=10000"
	# resolved again under duplication (ARP and ND are UD)
	ip -n "$NS_A" neigh flush dev "$IB_A"
	ip -n "$NS_B" neigh flush dev "$IB_B"
	# and broadcast pings (UD) alongside, for the knob to act on
	bg_start "$NS_B" /dev/null ping -q -b -i 0.01 -s 100 "$BCAST4"
	bpid=$BG_PID
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" "$SIZE"
	check_err $? "connected, 1% duplicates: $SIZE bytes a -> b not intact"
	# a transfer quicker than 100 broadcasts leaves the count to chance
	wait_for 5 counter_beyond fault_duplicate "$d0"
	bg_stop "$bpid"
	d1=$(port_counter fault_duplicate)
	sib_write "$FAULTS" "duplicate=0"
	log_info "1% duplicates: the fabric duplicated $((d1 - d0)) (UD) packets"
	[ $((d1 - d0)) -gt 0 ]
	check_err $? "the fabric duplicated nothing: the fault injection did not act"
	big_pings_both 10
	check_err $? "no 65520 DF pings after the duplicate case"
	log_test "connected, duplicate=10000: $SIZE bytes a->b intact, 65520 DF pings after"
}

# ---------------------------------------------------------------- peer events

# tx_errors_beyond NS DEV N: DEV's tx_errors went above N.
tx_errors_beyond()
{
	[ "$(ib_stat "$1" "$2" tx_errors)" -gt "$3" ]
}

# With b's port down, a's pings to b go on a's connection and fail there
# (retries exhausted): an error, not a packet sent.  a may send a few ARP
# probes meanwhile (UD, completed), never the burst itself.
failed_sends_counted()
{
	local n=30 p0 e0 p1 e1

	p0=$(ib_stat "$NS_A" "$IB_A" tx_packets)
	e0=$(ib_stat "$NS_A" "$IB_A" tx_errors)
	ping_once "$NS_A" "$IP4_B"
	check_fail $? "a reached b with b's port down"
	in_ns "$NS_A" ping -q -c "$n" -i 0.01 -W 1 -s 1000 "$IP4_B" >/dev/null 2>&1
	wait_for "$RECOVER" tx_errors_beyond "$NS_A" "$IB_A" "$e0"
	check_err $? "a's tx_errors stayed at $e0 $RECOVER s after $n pings to b's port down"
	p1=$(ib_stat "$NS_A" "$IB_A" tx_packets)
	e1=$(ib_stat "$NS_A" "$IB_A" tx_errors)
	log_info "$n pings to b (port down): a's tx_packets +$((p1 - p0)), tx_errors +$((e1 - e0))"
	[ $((p1 - p0)) -lt "$n" ]
	check_err $? "a counted $((p1 - p0)) packets sent for $n pings that b's port never took"
	xfail_reference "a send that fails on a connection does not reach tx_errors (and counts in tx_packets when it completes)"
	log_test "peer port down: a's failed connected-mode sends count in tx_errors, not tx_packets"
}

test_peer_port_bounce()
{
	local knob t0

	knob=$(sib_port_knob softib1 1 link)
	sib_write "$knob" down
	check_err $? "cannot take softib1 port 1 down"
	wait_for 10 no_carrier "$NS_B" "$IB_B"
	check_err $? "$IB_B kept its carrier with the port down"
	failed_sends_counted
	sib_write "$knob" up
	check_err $? "cannot bring softib1 port 1 up"
	t0=$SECONDS
	wait_for "$RECOVER" has_carrier "$NS_B" "$IB_B"
	check_err $? "$IB_B: no carrier $RECOVER s after port up"
	big_pings_both "$RECOVER"
	check_err $? "no 65520 DF pings both ways within $RECOVER s of b's port up"
	log_info "traffic back $((SECONDS - t0)) s after port up"
	log_test "peer port down and up: carrier and 65520 DF pings recover"
}

test_peer_restart()
{
	local t0

	# a's connection to b outlives b's end of it (not a check: this case
	# also tells whether the restart mends an earlier failure)
	big_pings_both 10 || log_info "no 65520 DF pings before b restarts"
	ip -n "$NS_B" link set dev "$IB_B" down && ip -n "$NS_B" link set dev "$IB_B" up
	check_err $? "cannot restart $IB_B"
	t0=$SECONDS
	wait_for "$RECOVER" has_carrier "$NS_B" "$IB_B"
	check_err $? "$IB_B: no carrier $RECOVER s after up"
	cm_is "$NS_B" "$IB_B" connected "$IPOIB_CM_MTU"
	(($? == 0)) || check_err 1 "$IB_B is $(cm_mode "$NS_B" "$IB_B")/$(ib_mtu "$NS_B" "$IB_B") after down/up"
	big_pings_both "$RECOVER"
	check_err $? "no 65520 DF pings both ways within $RECOVER s of b's restart"
	log_info "traffic back $((SECONDS - t0)) s after b's up"
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 2000000
	check_err $? "2000000 bytes a -> b not intact after b's restart"
	log_test "peer interface down and up: a's stale connection replaced, 65520 DF pings, TCP"
}

# pairs_clean: each end has one tx connection toward the other, up, and
# one rx connection from it, naming the other's tx QP: nothing stale is
# left from the connections the faults and events above killed.
pairs_clean()
{
	local txa txb rxa rxb

	txa=$(cm_dbg_tx "$IB_A" "$ADDR_B") txb=$(cm_dbg_tx "$IB_B" "$ADDR_A")
	rxa=$(cm_dbg_rx "$IB_A" "$GID_B") rxb=$(cm_dbg_rx "$IB_B" "$GID_A")
	[ "$(cm_dbg_field "$txa" state)" = up ] && [ "$(cm_dbg_field "$txb" state)" = up ] &&
		[ "$(grep -c . <<<"$txa")" = 1 ] && [ "$(grep -c . <<<"$txb")" = 1 ] &&
		[ "$(grep -c . <<<"$rxa")" = 1 ] && [ "$(grep -c . <<<"$rxb")" = 1 ] &&
		[ "$(cm_dbg_field "$rxa" remote_qpn)" = "$(cm_dbg_field "$txb" qpn)" ] &&
		[ "$(cm_dbg_field "$rxb" remote_qpn)" = "$(cm_dbg_field "$txa" qpn)" ]
}

test_no_stale_connections()
{
	local f

	ping_once "$NS_A" "$IP4_B" && ping_once "$NS_B" "$IP4_A"
	check_err $? "no ping both ways"
	[ -r "$(cm_dbg "$IB_A")" ] && [ -r "$(cm_dbg "$IB_B")" ]
	(($? == 0)) || check_err 1 "no $(cm_dbg "$IB_A") or $(cm_dbg "$IB_B")"
	if [ "$RET" = 0 ]; then
		wait_for 10 pairs_clean
		check_err $? "stale or missing connections between a and b (the files follow)"
		if [ "$RET" != 0 ]; then
			for f in "$(cm_dbg "$IB_A")" "$(cm_dbg "$IB_B")"; do
				log_info "$f: $(tr '\n' ';' <"$f")"
			done
		fi
	fi
	xfail_reference "debugfs ipoib/<ifname>_cm is ours only"
	log_test "after the faults and peer events: one tx and one rx connection each way, no stale one (debugfs)"
}

test_driver_reload()
{
	big_pings_both 10 || log_info "no 65520 DF pings before the reload"
	timeout $((60 * RIG_SLOW)) rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib with connections up failed"
	if [ "$RET" = 0 ]; then
		ib_pair_setup
		both_connected
		check_err $? "cannot switch to connected mode after the reload"
		big_pings_both 10
		check_err $? "no 65520 DF pings both ways after the reload"
		tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 2000000
		check_err $? "2000000 bytes b -> a not intact after the reload"
	fi
	log_test "ib_ipoib reloaded (both ends): connected again, 65520 DF pings, TCP"
}

# ---------------------------------------------------------------- device removal

test_device_replace()
{
	local rx0

	bg_start "$NS_A" /dev/null ping -q -i 0.05 -s 60000 -M "do" "$IP4_B"
	rx0=$(ib_stat "$NS_B" "$IB_B" rx_packets)
	wait_for 10 rx_beyond $((rx0 + 20))
	check_err $? "no traffic before the unplug"
	sib_write "$SIB_DBG/softib1/replace" 1
	check_err $? "softib1/replace failed"
	wait_for 10 test -e /sys/class/infiniband/softib1
	check_err $? "softib1 did not come back"
	if [ "$RET" = 0 ]; then
		IB_B=$(ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B")
		check_err $? "no IPoIB device for the replugged softib1"
		# the new interface has a new QPN, so a new hardware address:
		# a learns it through ARP (forget the old one now)
		ip -n "$NS_A" neigh flush dev "$IB_A"
	fi
	if [ "$RET" = 0 ]; then
		wait_for 30 has_carrier "$NS_B" "$IB_B" &&
			cm_set_mode "$NS_B" "$IB_B" connected && big_pings_both 20
		check_err $? "no 65520 DF pings both ways with the replugged HCA"
	fi
	bg_stop "$BG_PID"
	log_test "peer HCA unplugged and replugged under connected traffic: connected again, 65520 DF pings both ways"
}

# ---------------------------------------------------------------- unload

rx_beyond()
{
	[ "$(ib_stat "$NS_B" "$IB_B" rx_packets)" -gt "$1" ]
}

type32_gone()
{
	[ -z "$(ipoib_netdevs)" ] && [ -z "$("${NSEXEC[@]}" "$NS_A" bash -c "$(declare -f ipoib_netdevs); ipoib_netdevs")" ] &&
		[ -z "$("${NSEXEC[@]}" "$NS_B" bash -c "$(declare -f ipoib_netdevs); ipoib_netdevs")" ]
}

test_rmmod_under_traffic()
{
	local rx0 t0 sout

	sout=$(mktemp)
	defer rm -f "$sout"
	bg_start "$NS_B" "$sout" iperf3 -s -B "$IP4_B" -p 5203
	wait_for 10 listening "$NS_B" 5203
	(($? == 0)) || check_err 1 "no iperf3 server: $(tail -n 2 "$sout")"
	bg_start "$NS_A" /dev/null iperf3 -c "$IP4_B" -p 5203 -t 60
	bg_start "$NS_B" /dev/null ping -q -i 0.05 -s 60000 -M "do" "$IP4_A"
	rx0=$(ib_stat "$NS_B" "$IB_B" rx_packets)
	wait_for 10 rx_beyond $((rx0 + 500))
	(($? == 0)) || check_err 1 "the traffic did not start (b's rx_packets $rx0 -> $(ib_stat "$NS_B" "$IB_B" rx_packets))"
	log_info "rmmod ib_ipoib under connected iperf3 and 60000-byte pings"
	t0=$SECONDS
	timeout $((60 * RIG_SLOW)) rmmod ib_ipoib
	(($? == 0)) || check_err 1 "rmmod ib_ipoib under connected traffic failed or hung ($((SECONDS - t0)) s)"
	log_info "rmmod ib_ipoib took $((SECONDS - t0)) s"
	! lsmod_has ib_ipoib
	check_err $? "ib_ipoib still loaded"
	type32_gone
	check_err $? "IPoIB net devices left after rmmod ib_ipoib"
	log_test "rmmod ib_ipoib under connected iperf3 traffic: no hang, module and devices gone"

	timeout $((60 * RIG_SLOW)) rmmod softib
	check_err $? "rmmod softib after ib_ipoib failed"
	if [ "$RET" = 0 ]; then
		insmod "$MODDIR/softib.ko" && wait_for 10 test -e /sys/class/infiniband/softib0
		check_err $? "softib does not load again"
		timeout $((60 * RIG_SLOW)) rmmod softib
		check_err $? "softib does not unload again"
	fi
	log_test "after that rmmod: softib unloads, loads and unloads again"
}

# ---------------------------------------------------------------- main

ib_pair_setup
ADDR_A=$(ib_addr "$NS_A" "$IB_A")
ADDR_B=$(ib_addr "$NS_B" "$IB_B")
GID_A=$(sib_gid softib0 1)
GID_B=$(sib_gid softib1 1)
require_sib_knob "$FAULTS"
require_sib_knob "$(sib_port_knob softib1 1 link)"
defer sib_write "$FAULTS" "drop=0"
both_connected
check_err $? "cannot switch both to connected mode at $IPOIB_CM_MTU"
big_pings_both 10
check_err $? "no 65520 DF pings both ways"
log_test "connected, $IPOIB_CM_MTU: 65520 DF pings both ways"

test_drop
test_duplicate
test_peer_port_bounce
test_peer_restart
test_no_stale_connections
# The reference hands a freed neighbour's RC connection to an RCU callback
# that queues its destruction on the interface's workqueue, and at
# unregister destroys its CQs before it flushes that workqueue: an rmmod
# while such a callback or work item is pending destroys the CQs while the
# connection's QP still uses them ("Destroy of kernel CQ shouldn't fail",
# then restrack's leak warning when softib1 is replaced or unloaded); an
# rmmod under connected traffic hits the same window whenever a connection
# was freed just before it.  Ours runs the same cases without this
# allowance.
ref_splats_begin "CM QP left on its CQ at rmmod (RCU-deferred connection teardown)"
test_driver_reload
test_device_replace
test_rmmod_under_traffic
ref_splats_end
