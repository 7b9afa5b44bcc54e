#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Datagram mode when the SA misbehaves or a peer's HCA is replaced (softib
# knobs fabric/sa, <ibdev>/port<N>/link and <ibdev>/replace; each case is
# skipped with the reason while its knob is missing):
#   - a delayed path query (fabric/sa delay_ms=500, after a's port went down
#     and up so that its paths are gone, static neighbour for b): a burst of
#     10 datagrams to b, at most 3 (the per-destination queue) arrive, the
#     rest are tx_dropped; then traffic flows normally
#   - a refused send-only join (join=reject): the packets queued for the
#     group are counted in tx_dropped
#   - a refused broadcast join (join=reject before the interface comes up):
#     retried with exponential backoff (a bounded number of join requests in
#     12 s), no carrier; carrier within the maximum backoff once the SA
#     accepts again
#   - a peer whose HCA is replaced comes back with a new QPN: a's neighbour
#     moves to the new 20-byte address and traffic flows both ways
#
#   ns a                                      ns b
#   $IB_A 192.0.2.1 (softib0 port 1)  <->     $IB_B 192.0.2.2 (softib1 port 1)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd socat ss python3

UPORT=5000
GRP_DROP=239.1.2.3
SA=$(sib_sa_path)

# a_routes: IPv4 multicast needs a route out of ns a (and b); a down
# interface loses its routes.
a_routes()
{
	ip -n "$NS_A" route replace 224.0.0.0/4 dev "$IB_A"
	ip -n "$NS_B" route replace 224.0.0.0/4 dev "$IB_B"
}

# a_flush_paths: take a's port down and up (softib link knob: PORT_ERR,
# PORT_ACTIVE; both drivers free their paths and neighbours on that), wait
# for carrier.  (An administrative down/up frees them only in ours.)
a_flush_paths()
{
	local link before

	link=$(sib_port_knob softib0 1 link)
	before=$(groups_a)
	sib_write "$link" down
	wait_for 10 no_carrier "$NS_A" "$IB_A"
	sib_write "$link" up
	if ! wait_for 30 has_carrier "$NS_A" "$IB_A"; then
		check_err 1 "$IB_A has no carrier 30 s after its port went down and up"
		return 1
	fi
	a_routes
	# a's full-member groups joined again: no join in flight
	if ! wait_for 10 full_groups_a_ge "$(echo "$before" | grep -c '/1$')"; then
		check_err 1 "after the port went down and up, a is a full member of $(groups_a | grep -c '/1$') groups, before of $(echo "$before" | grep -c '/1$'): before: $(echo "$before" | tr '\n' ' '); now: $(groups_a | tr '\n' ' ')"
		return 1
	fi
}

# groups_a: "MGID/joinstate" of each SA membership of a's port.
groups_a()
{
	sib_groups | awk -v g="$GID_A" '{ for (i = 1; i <= NF; i++) if (index($i, g "/") == 1) print $1 "/" substr($i, length(g) + 2) }' | sort
}

full_groups_a_ge()
{
	[ "$(groups_a | grep -c '/1$')" -ge "$1" ]
}

groups_same_for_2s()
{
	local g

	g=$(groups_a)
	sleep 2
	[ "$g" = "$(groups_a)" ]
}

# groups_settle: wait until a's memberships stop changing (MLD/IGMP
# reports right after an interface comes up join groups for a while; a
# join the SA refuses later would drop their queued packets).
groups_settle()
{
	wait_for 15 groups_same_for_2s
}

test_path_delay()
{
	local out n=10 got d0 d1 p0 addr_a addr_b

	if ! sib_has_sa || [ ! -w "$(sib_port_knob softib0 1 link)" ]; then
		log_test_skip "path query delayed: per-destination queue bound" "softib has no $SA or port link knob"
		return
	fi
	out=$(mktemp)
	defer rm -f "$out"
	addr_a=$(ib_addr "$NS_A" "$IB_A")
	addr_b=$(ib_addr "$NS_B" "$IB_B")
	listen_udp "$NS_B" "$out" 6000
	check_err $? "listener in $NS_B did not start"
	# Static neighbours both ways: no ARP (b probing a would make a answer
	# and resolve its path to b before the burst).
	ip -n "$NS_A" neigh replace "$IP4_B" lladdr "$addr_b" nud permanent dev "$IB_A" &&
		ip -n "$NS_B" neigh replace "$IP4_A" lladdr "$addr_a" nud permanent dev "$IB_B"
	check_err $? "cannot add static neighbours for $IP4_B and $IP4_A"
	if ! a_flush_paths; then
		log_test "path query delayed: at most 3 packets queued per destination, the rest dropped, then traffic flows"
		bg_stop "$BG_PID"
		return
	fi
	sib_sa_set "delay_ms=500"
	p0=$(sib_sa_counter path_requests)
	d0=$(ib_stat "$NS_A" "$IB_A" tx_dropped)
	udp_send "$NS_A" "$IP4_B" 6000 "$n" burst
	wait_for 10 stat_delta_ge "$NS_A" "$IB_A" tx_dropped "$d0" $((n - 3))
	wait_for 5 out_lines_ge "$out" 3 "burst "
	sleep 1
	got=$(out_lines "$out" "burst ")
	d1=$(ib_stat "$NS_A" "$IB_A" tx_dropped)
	log_info "burst of $n while the path query is delayed: $got received, tx_dropped +$((d1 - d0)), SA path requests +$(($(sib_sa_counter path_requests) - p0))"
	[ "$got" -le 3 ] && [ "$got" -ge 1 ]
	check_err $? "$got of $n datagrams arrived (expected 1..3: the queued ones)"
	[ $((d1 - d0)) -eq $((n - got)) ]
	(($? == 0)) || check_err 1 "tx_dropped grew by $((d1 - d0)), expected $((n - got)) ($n sent, $got received)"
	sib_sa_restore
	udp_send "$NS_A" "$IP4_B" 6000 "$n" after
	wait_for 10 out_lines_ge "$out" "$n" "after "
	(($? == 0)) || check_err 1 "after the path resolved, only $(out_lines "$out" "after ") of $n datagrams arrived"
	ip -n "$NS_A" neigh del "$IP4_B" dev "$IB_A"
	ip -n "$NS_B" neigh del "$IP4_A" dev "$IB_B"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "ping a->b failed after the delayed path query"
	log_test "path query delayed: at most 3 packets queued per destination, the rest dropped, then traffic flows"
	bg_stop "$BG_PID"
}

test_sendonly_reject()
{
	local n=5 d0 d1

	if ! sib_has_sa; then
		log_test_skip "send-only join refused: queued packets dropped" "softib has no $SA"
		return
	fi
	groups_settle
	sib_sa_set "join=reject"
	d0=$(ib_stat "$NS_A" "$IB_A" tx_dropped)
	udp_send "$NS_A" "$GRP_DROP" "$UPORT" "$n" rej
	wait_for 30 stat_delta_ge "$NS_A" "$IB_A" tx_dropped "$d0" "$n"
	sleep 1
	d1=$(ib_stat "$NS_A" "$IB_A" tx_dropped)
	sib_sa_restore
	log_info "$n datagrams to $GRP_DROP with joins refused: tx_dropped +$((d1 - d0))"
	[ $((d1 - d0)) -eq "$n" ]
	(($? == 0)) || check_err 1 "$n datagrams to a group whose join the SA refuses: tx_dropped grew by $((d1 - d0)), expected $n"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "ping a->b failed after the refused send-only join"
	log_test "send-only join refused: the group's queued packets are counted as dropped"
}

test_join_backoff()
{
	local j0 j1 jp win=12 carrier=0 t times=

	if ! sib_has_sa; then
		log_test_skip "broadcast join refused: backoff, no carrier, recovery" "softib has no $SA"
		return
	fi
	ip -n "$NS_A" link set dev "$IB_A" down
	sib_sa_set "join=reject"
	j0=$(sib_sa_counter join_requests)
	ip -n "$NS_A" link set dev "$IB_A" up
	# a measurement window, not a wait for a condition: count the joins
	jp=$j0
	for ((t = 0; t < win * 2; t++)); do
		has_carrier "$NS_A" "$IB_A" && carrier=1
		j1=$(sib_sa_counter join_requests)
		[ "$j1" != "$jp" ] && times+=" $((t / 2)).$((t % 2 * 5))s:+$((j1 - jp))"
		jp=$j1
		sleep 0.5
	done
	j1=$(sib_sa_counter join_requests)
	log_info "join requests in ${win} s with joins refused: $((j1 - j0)) (at$times); carrier seen: $carrier"
	[ $((j1 - j0)) -ge 2 ] && [ $((j1 - j0)) -le 12 ]
	(($? == 0)) || check_err 1 "$((j1 - j0)) join requests in $win s while the SA refuses (expected 2..12: retried with exponential backoff, 2 4 8 16 s)"
	[ "$carrier" = 0 ]
	check_err $? "$IB_A had carrier while the SA refused the broadcast join"
	sib_sa_restore
	# the next retry comes within the maximum backoff (16 s)
	wait_for 25 has_carrier "$NS_A" "$IB_A"
	check_err $? "$IB_A has no carrier 25 s after the SA accepts joins again"
	a_routes
	wait_ping "$NS_A" "$IP4_B" 10
	check_err $? "ping a->b failed after the broadcast join succeeded"
	log_test "broadcast join refused: bounded retries with backoff, no carrier; carrier once the SA accepts"
}

replaced_diag()
{
	log_info "a: $(ip -n "$NS_A" neigh show dev "$IB_A" | tr '\n' ';')"
	log_info "b: $(ip -n "$NS_B" neigh show dev "$IB_B" | tr '\n' ';')"
	log_info "a tx $(ib_stat "$NS_A" "$IB_A" tx_packets) drop $(ib_stat "$NS_A" "$IB_A" tx_dropped) rx $(ib_stat "$NS_A" "$IB_A" rx_packets); b tx $(ib_stat "$NS_B" "$IB_B" tx_packets) rx $(ib_stat "$NS_B" "$IB_B" rx_packets) drop $(ib_stat "$NS_B" "$IB_B" rx_dropped)"
	log_info "a paths: $(tr '\n' ' ' <"/sys/kernel/debug/ipoib/${IB_A}_path" 2>&1)"
	log_info "b ($IB_B) paths: $(tr '\n' ' ' <"/sys/kernel/debug/ipoib/${IB_B}_path" 2>&1)"
	log_info "softib1 port1: $(grep -v ' 0$' "$(sib_port_knob softib1 1 counters)" | tr '\n' ' ')"
}

test_peer_replaced()
{
	local knob=$SIB_DBG/softib1/replace old new dev got lid0 lid1

	if [ ! -w "$knob" ]; then
		log_test_skip "peer replaced: new QPN, neighbour follows" "softib has no $knob"
		return
	fi
	old=$(ib_addr "$NS_B" "$IB_B")
	lid0=$(cat /sys/class/infiniband/softib1/ports/1/lid)
	# a re-validates its ARP entries quickly (reachable 1-3 s): set before
	# the entry for b is made (its timer keeps the reachable time it was
	# armed with)
	ip netns exec "$NS_A" sysctl -qw "net.ipv4.neigh.$IB_A.base_reachable_time_ms=2000" \
		"net.ipv4.neigh.$IB_A.delay_first_probe_time=1"
	ip -n "$NS_A" neigh del "$IP4_B" dev "$IB_A" 2>/dev/null
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "ping a->b failed before the replacement"
	sib_write "$knob" 1
	check_err $? "writing 1 to $knob failed"
	dev=$(IB_CARRIER_TIMEOUT=30 ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B")
	check_err $? "no new IPoIB device for softib1 port 1 after the replacement"
	if [ -n "$dev" ]; then
		IB_B=$dev
		wait_for 30 has_carrier "$NS_B" "$IB_B"
		check_err $? "the new $IB_B has no carrier"
		new=$(ib_addr "$NS_B" "$IB_B")
		lid1=$(cat /sys/class/infiniband/softib1/ports/1/lid)
		log_info "$NS_B: $old (LID $lid0) -> $new (LID $lid1)"
		[ "${new:3:8}" != "${old:3:8}" ] && [ "${new:12}" = "${old:12}" ]
		check_err $? "after the replacement: address $new, was $old (expected a new QPN, the same GID)"
		wait_ping "$NS_A" "$IP4_B" 30
		check_err $? "a cannot reach the replaced peer within 30 s"
		[ "$RET" = 0 ] || replaced_diag
		got=$(ip -n "$NS_A" neigh show "$IP4_B" dev "$IB_A" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
		[ "$got" = "$new" ]
		check_err $? "a's ARP entry for $IP4_B is '$got', expected the new address $new"
		ping_ok "$NS_B" "$IP4_A"
		check_err $? "the replaced peer cannot reach a"
	fi
	log_test "peer replaced: new QPN, a's neighbour follows, traffic flows both ways"
}

# ---------------------------------------------------------------- main

defer sib_sa_restore
ib_pair_setup
a_routes
GID_A=$(sib_gid softib0 1)
[ -r "$SIB_DBG/fabric/groups" ] || skip_all "softib has no fabric/groups"
sib_has_sa || log_info "softib has no $SA: the SA cases are skipped"

test_sendonly_reject
test_path_delay
test_join_backoff
test_peer_replaced
