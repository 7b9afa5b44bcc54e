#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPoIB connected mode against receive-side limits:
#   - softib max_recv_sge: 0 and 33 are refused at load and at run time
#   - a receiver b whose HCA takes 4 receive SGEs (softib max_recv_sge=4,
#     written at run time, then softib1 replaced): b's connected MTU is
#     what 4 pages take (the reference: 4 x PAGE_SIZE - 16 = 16368, its
#     rule for an SRQ with fewer than 16 SGEs; at most 4 pages - 4); the
#     sender a (32 SGEs) keeps 65520
#   - (ours) b advertises its real receive size in the REP; a 65520 DF ping
#     from a fails once with a locally generated ICMP frag-needed /
#     packet-too-big carrying b's limit, after which a's route to b shows
#     that limit (IPv4 and IPv6) and DF pings up to it pass.  The reference
#     advertises 65524 whatever its SRQ takes (the too-big message kills
#     the connection at b and is lost, on every try) and writes the
#     multicast MTU into its ICMP
#   - smaller traffic and TCP still flow both ways
#   - softib srq=0 (no SRQ) with devices=3 and ib_ipoib
#     max_nonsrq_conn_qp=1: a <-> b connected traffic at 65520; then c
#     sends to b, whose one passive slot a holds: b rejects c's REQ.  The
#     reference drops c's traffic to b and retries CM on every packet, so c
#     and b cannot talk; ours falls back to datagram mode for that peer
#     (ours-only), and a <-> b is unaffected (both)
#
#   ns a                          ns b                          ns c
#   $IB_A 192.0.2.1               $IB_B 192.0.2.2               $IB_C 192.0.2.3
#   softib0 (32 SGEs)             softib1 (4 SGEs | no SRQ)     softib2 (no SRQ part)
#        +========================== softib fabric ======================+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature connected
require_cmd ping socat ss python3 getconf

SGE_PARAM=/sys/module/softib/parameters/max_recv_sge
NS_C=c
IP4_C=192.0.2.3
IP6_C=2001:db8::3
IB_C=
PAGE=$(getconf PAGESIZE)
LIMIT_SGES=4
# b's connected MTU (what it can receive), measured: the reference gives
# min(16, max_srq_sge) pages less 16 bytes (16368); at most 4 pages less
# the 4-byte IPoIB header fit
LIM=
LIM_MAX=$((LIMIT_SGES * PAGE - 4))

# ---------------------------------------------------------------- softib knob

test_sge_param()
{
	local v

	lsmod_has softib && { rmmod softib || fail_all "softib loaded and busy" "setup"; }
	modprobe -a ib_core ib_cm ib_umad || fail_all "modprobe ib_core ib_cm ib_umad failed" "setup"
	[ -f "$MODDIR/softib.ko" ] || skip_all "softib.ko is not built ($MODDIR)"
	modinfo -p "$MODDIR/softib.ko" | grep -q '^max_recv_sge:' ||
		skip_all "softib has no max_recv_sge parameter"
	for v in 0 33; do
		if insmod "$MODDIR/softib.ko" "max_recv_sge=$v" 2>/dev/null; then
			rmmod softib
			check_err 1 "insmod softib max_recv_sge=$v succeeded"
		fi
	done
	load_softib
	[ "$(cat "$SGE_PARAM")" = 32 ]
	(($? == 0)) || check_err 1 "max_recv_sge reads '$(cat "$SGE_PARAM")', expected the default 32"
	for v in 0 33 x; do
		ns_sysfs_write "" "$SGE_PARAM" "$v" >/dev/null
		check_fail $? "writing $v to $SGE_PARAM succeeded"
	done
	[ "$(cat "$SGE_PARAM")" = 32 ]
	(($? == 0)) || check_err 1 "max_recv_sge reads '$(cat "$SGE_PARAM")' after refused writes"
	log_test "softib max_recv_sge: 0, 33 refused at load and at run time"
}

# ---------------------------------------------------------------- receive size

test_limited_receiver_mtu()
{
	local ma mb

	cm_set_mode "$NS_A" "$IB_A" connected && cm_set_mode "$NS_B" "$IB_B" connected
	check_err $? "cannot switch to connected mode"
	ma=$(ib_mtu "$NS_A" "$IB_A") mb=$(ib_mtu "$NS_B" "$IB_B")
	log_info "connected MTUs: a (32 SGEs) $ma, b ($LIMIT_SGES SGEs) $mb (the reference: $((LIMIT_SGES * PAGE - 16)))"
	[ "$ma" = "$IPOIB_CM_MTU" ] && [ "$mb" -gt $(((LIMIT_SGES - 1) * PAGE)) ] && [ "$mb" -le "$LIM_MAX" ]
	(($? == 0)) || check_err 1 "connected MTUs a $ma, b $mb; expected $IPOIB_CM_MTU and $(((LIMIT_SGES - 1) * PAGE + 1))..$LIM_MAX ($LIMIT_SGES pages less the header)"
	LIM=${mb:-0}
	wait_ping "$NS_A" "$IP4_B" 10 && ping_ok "$NS_B" "$IP4_A" &&
		ping_df "$NS_B" "$IP4_A" "$LIM"
	check_err $? "no ping both ways / no $LIM DF ping b->a"
	log_test "connected MTU on a $LIMIT_SGES-SGE SRQ receiver: what $LIMIT_SGES pages take; a 32-SGE peer keeps $IPOIB_CM_MTU"
}

# pmtu_case FAMILY: a DF ping of a's MTU fails once; then a's route to b
# carries b's limit and DF pings up to it pass.
pmtu_case()
{
	local fam=$1 ip=$IP4_B hdr=28 out m rc

	[ "$fam" = 6 ] && ip=$IP6_B hdr=48
	out=$(in_ns "$NS_A" ping -c 1 -W 1 -s $((IPOIB_CM_MTU - hdr)) -M "do" "$ip" 2>&1)
	log_info "IPv$fam ping -s $((IPOIB_CM_MTU - hdr)) -M do a->b: $(grep -Ei 'mtu|too|frag|transmitted' <<<"$out" | tr '\n' ' ')"
	wait_for 2 route_mtu_is "$NS_A" "$ip" "$LIM"
	rc=$?
	m=$(route_mtu "$NS_A" "$ip")
	log_info "a's IPv$fam route to b: $(ip -n "$NS_A" route get "$ip" | tr '\n' ' ')"
	check_err $rc "a's IPv$fam route to b shows mtu '${m:-none}', expected b's limit $LIM"
	if [ "$RET" = 0 ]; then
		ping_df "$NS_A" "$ip" "$LIM"
		(($? == 0)) || check_err 1 "IPv$fam ping -s $((LIM - hdr)) -M do a->b failed under PMTU $LIM"
		ping_ok "$NS_A" "$ip" -s $((LIM - hdr + 1)) -M "do"
		(($? != 0)) || check_fail 0 "IPv$fam ping -s $((LIM - hdr + 1)) -M do a->b passed above PMTU $LIM"
	fi
}

test_limited_receiver_pmtu()
{
	local tx

	pmtu_case 4
	if [ "$IPOIB" = ours ]; then
		tx=$(cm_dbg_tx "$IB_A" "$(ib_addr "$NS_B" "$IB_B")")
		[ "$(cm_dbg_field "$tx" mtu)" = "$LIM" ]
		(($? == 0)) || check_err 1 "$(cm_dbg "$IB_A"): tx toward b '$tx', expected mtu $LIM (b's REP receive size - 4)"
	fi
	xfail_reference "the reference advertises 65524 whatever its SRQ takes; the too-big message is lost at b"
	log_test "IPv4 PMTU toward the $LIMIT_SGES-SGE receiver: ICMP frag-needed with its real limit, route mtu = its MTU"

	pmtu_case 6
	xfail_reference "the reference advertises 65524 whatever its SRQ takes; the too-big message is lost at b"
	log_test "IPv6 PMTU toward the $LIMIT_SGES-SGE receiver: packet-too-big with its real limit, route mtu = its MTU"
}

test_limited_receiver_traffic()
{
	wait_ping "$NS_A" "$IP4_B" 10 && ping_df "$NS_A" "$IP4_B" "$LIM" &&
		ping_df "$NS_B" "$IP4_A" "$LIM"
	check_err $? "no $LIM DF pings both ways"
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 4000000
	check_err $? "4000000 bytes a -> b (limited receiver) not intact"
	tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 4000000
	check_err $? "4000000 bytes b -> a not intact"
	log_test "$LIMIT_SGES-SGE receiver: DF pings of its MTU both ways, 4 MB TCP both ways"
}

# ---------------------------------------------------------------- no SRQ

no_srq_setup()
{
	lib_cleanup
	load_softib srq=0 devices=3
	load_ipoib max_nonsrq_conn_qp=1
	ib_pair_setup
	setup_ns "$NS_C" || fail_all "cannot create namespace $NS_C" "no-SRQ topology"
	IB_C=$(ib_port_to_ns softib2 1 "$NS_C" "$IP4_C" "$IP6_C") ||
		fail_all "no IPoIB device for softib2 port 1" "no-SRQ topology"
	wait_for 30 has_carrier "$NS_C" "$IB_C" ||
		fail_all "$IB_C in ns $NS_C has no carrier" "no-SRQ topology"
	log_info "no SRQ, max_nonsrq_conn_qp=1: $NS_A/$IB_A, $NS_B/$IB_B, $NS_C/$IB_C $IP4_C"
}

test_no_srq_traffic()
{
	local ns dev

	for ns in "$NS_A" "$NS_B" "$NS_C"; do
		dev=$IB_A
		[ "$ns" = "$NS_B" ] && dev=$IB_B
		[ "$ns" = "$NS_C" ] && dev=$IB_C
		cm_set_mode "$ns" "$dev" connected && cm_is "$ns" "$dev" connected "$IPOIB_CM_MTU"
		(($? == 0)) || check_err 1 "no SRQ: $dev is not connected at $IPOIB_CM_MTU: $(cm_mode "$ns" "$dev")/$(ib_mtu "$ns" "$dev")"
	done
	wait_ping "$NS_A" "$IP4_B" 10 && ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" &&
		ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU"
	check_err $? "no SRQ: no 65520 DF pings a <-> b"
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 4000000
	check_err $? "no SRQ: 4000000 bytes a -> b not intact"
	log_test "no SRQ: connected MTU $IPOIB_CM_MTU, 65520 DF pings a <-> b, 4 MB TCP"
}

test_rejected_sender()
{
	local rx

	# b's only passive slot is a's: c's REQ is rejected.
	wait_ping "$NS_C" "$IP4_B" 4
	check_err $? "c (rejected by b) cannot ping b"
	if [ "$RET" = 0 ]; then
		ping_ok "$NS_B" "$IP4_C" && ping_df "$NS_C" "$IP4_B" "$DGRAM_MTU"
		check_err $? "no ping b->c / no $DGRAM_MTU DF ping c->b over the datagram fallback"
		in_ns "$NS_C" ping -q -c 1 -W 1 -s $((IPOIB_CM_MTU - 28)) -M "do" "$IP4_B" >/dev/null 2>&1
		wait_for 2 route_mtu_is "$NS_C" "$IP4_B" "$DGRAM_MTU"
		(($? == 0)) || check_err 1 "c's route to b (datagram fallback) shows mtu '$(route_mtu "$NS_C" "$IP4_B")' after a 65520 DF ping, expected $DGRAM_MTU"
		tcp_transfer "$NS_C" "$NS_B" "$IP4_B" 2000000
		check_err $? "2000000 bytes c -> b over the datagram fallback not intact"
		rx=$(cm_dbg_rx "$IB_B" "$(sib_gid softib2 1)")
		[ -r "$(cm_dbg "$IB_B")" ] && [ -z "$rx" ]
		check_err $? "b lists an rx connection from c over max_nonsrq_conn_qp=1: $rx"
	fi
	xfail_reference "after a REJ the reference drops the peer's packets and retries CM (no datagram fallback)"
	log_test "max_nonsrq_conn_qp=1: c, rejected by b, falls back to datagram: ping, PMTU $DGRAM_MTU, TCP c->b"

	ping_df "$NS_A" "$IP4_B" "$IPOIB_CM_MTU" && ping_df "$NS_B" "$IP4_A" "$IPOIB_CM_MTU"
	check_err $? "a <-> b 65520 DF pings failed after c's rejected attempts"
	log_test "max_nonsrq_conn_qp=1: a <-> b unaffected by c's rejected connection"
}

# counter_at_least NS DEV NAME MIN: ethtool -S counter NAME is >= MIN.
counter_at_least()
{
	local v

	v=$(ethtool_stat "$1" "$2" "$3")
	[ -n "$v" ] && [ "$v" -ge "$4" ]
}

test_rejected_counted()
{
	counter_at_least "$NS_B" "$IB_B" cm_rx_rejected 1
	(($? == 0)) || check_err 1 "b's cm_rx_rejected is '$(ethtool_stat "$NS_B" "$IB_B" cm_rx_rejected)' after rejecting c, expected >= 1"
	counter_at_least "$NS_C" "$IB_C" cm_tx_failed 1
	(($? == 0)) || check_err 1 "c's cm_tx_failed is '$(ethtool_stat "$NS_C" "$IB_C" cm_tx_failed)' after b's REJ, expected >= 1"
	counter_at_least "$NS_A" "$IB_A" cm_tx_up 1 && counter_at_least "$NS_B" "$IB_B" cm_rx_accepted 1
	check_err $? "ethtool -S: a's cm_tx_up or b's cm_rx_accepted is not counted"
	xfail_reference "no connected-mode counters in ethtool -S"
	log_test "ethtool -S counts CM errors: b's cm_rx_rejected, c's cm_tx_failed"
}

# ---------------------------------------------------------------- capabilities

# offload_is NS DEV FEATURE on|off: ethtool -k shows FEATURE in that state.
offload_is()
{
	in_ns "$1" ethtool -k "$2" | grep -Eq "^[[:space:]]*$3: $4"
}

test_offloads_follow_mode()
{
	local f

	lib_cleanup
	load_softib ud_csum=1 ud_tso=1
	ib_pair_setup
	for f in tx-checksum-ipv4 tcp-segmentation-offload; do
		offload_is "$NS_A" "$IB_A" "$f" on
		check_err $? "datagram with UD checksum/LSO: $f is not on"
	done
	log_info "datagram: $(in_ns "$NS_A" ethtool -k "$IB_A" | grep -E 'tx-checksum-ipv4|tcp-segmentation-offload' | tr -s '\t\n' '  ')"
	cm_set_mode "$NS_A" "$IB_A" connected
	check_err $? "cannot switch $IB_A to connected mode"
	for f in tx-checksum-ipv4 tcp-segmentation-offload; do
		offload_is "$NS_A" "$IB_A" "$f" off
		check_err $? "connected: $f is not off"
	done
	cm_set_mode "$NS_A" "$IB_A" datagram
	check_err $? "cannot switch $IB_A back to datagram mode"
	for f in tx-checksum-ipv4 tcp-segmentation-offload; do
		offload_is "$NS_A" "$IB_A" "$f" on
		check_err $? "back in datagram: $f is not on again"
	done
	log_test "checksum and LSO offloads (UD only): on in datagram, off in connected, on again"
}

test_not_capable()
{
	local err rc

	lib_cleanup
	load_softib srq=0
	load_ipoib max_nonsrq_conn_qp=0
	ib_pair_setup
	cm_rc_flag "$NS_A" "$IB_A"
	check_fail $? "no SRQ, max_nonsrq_conn_qp=0: the address still has the RC flag"
	err=$(ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/mode" connected)
	rc=$?
	[ "$rc" != 0 ] && [ "$(cm_mode "$NS_A" "$IB_A")" = datagram ]
	(($? == 0)) || check_err 1 "no SRQ, max_nonsrq_conn_qp=0: writing connected succeeded, mode $(cm_mode "$NS_A" "$IB_A")"
	log_info "writing connected: ${err:-success}"
	ping_df "$NS_A" "$IP4_B" "$(ib_mtu "$NS_A" "$IB_A")"
	check_err $? "no full-size datagram ping after the refused switch"
	xfail_reference "the reference advertises connected mode it cannot accept (every REQ rejected)"
	log_test "no SRQ and max_nonsrq_conn_qp=0: no RC flag, 'connected' refused with an error, datagram unchanged"
}

# ---------------------------------------------------------------- main

test_sge_param
sib_write "$SGE_PARAM" "$LIMIT_SGES" || fail_all "cannot write $LIMIT_SGES to $SGE_PARAM" "limited receiver"
sib_write "$SIB_DBG/softib1/replace" 1 || fail_all "softib1/replace failed" "limited receiver"
sib_write "$SGE_PARAM" 32
wait_for 10 test -e /sys/class/infiniband/softib1 || fail_all "softib1 did not come back" "limited receiver"
ib_pair_setup
DGRAM_MTU=$(ib_mtu "$NS_A" "$IB_A")
test_limited_receiver_mtu
test_limited_receiver_pmtu
test_limited_receiver_traffic

no_srq_setup
test_no_srq_traffic
test_rejected_sender
test_rejected_counted

test_offloads_follow_mode
test_not_capable
