#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iperf3 TCP and UDP in both directions over IPoIB datagram mode.  The
# measured rates are printed as "# iperf3 <proto> <dir>: X Mbit/s" so that
# runs with IPOIB=ours and IPOIB=reference can be compared; no rate is
# asserted.  What is asserted is that the data path carried what iperf3
# reports: the receiver got no more than was sent and something at all, the
# sender's IPoIB device counted at least the bytes/packets iperf3 delivered
# and the receiver's device at least those it received (and not more packets
# than the sender sent: no duplicates), UDP loss is bounded both as iperf3
# sees it and as the two devices' counters see it, and a TCP transfer is
# byte-exact (checksums at both ends).
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |                 | $IB_B  192.0.2.2/24   |
#   |   iperf3 -c           |                 |   iperf3 -s -1        |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd iperf3 ss python3 socat

IPERF_TIME=${IPERF_TIME:-3}
UDP_RATE=${UDP_RATE:-2M}
# One UDP datagram per IPoIB packet (no fragments): packet counts compare.
UDP_LEN=${UDP_LEN:-1000}
# A TCG guest on a loaded host loses datagrams in iperf3 itself (the
# server falls behind); the limit catches a broken path, not jitter.
UDP_MAX_LOSS=${UDP_MAX_LOSS:-20}
# Packets the receiver may get beyond what the sender's device sent during
# the run (neighbour/MLD traffic crossing the snapshot boundaries).
SLACK_PKTS=5
XFER_BYTES=${XFER_BYTES:-4194304}

OUT=$(mktemp)
defer rm -f "$OUT"

# snap NS DEV: "tx_packets tx_bytes rx_packets rx_bytes" of DEV (one
# process reads all four).
snap()
{
	local s=/sys/class/net/$2/statistics

	# shellcheck disable=SC2046	# one line of four numbers
	echo $(in_ns "$1" cat "$s/tx_packets" "$s/tx_bytes" "$s/rx_packets" "$s/rx_bytes")
}

# Counter deltas of the last run, set by run_iperf.
D_TXP=0 D_TXB=0 D_RXP=0 D_RXB=0
# What iperf3 reported in the last run, set by run_iperf: receiver's bit
# rate, bytes sent and received, datagrams sent, received and lost.
J_BPS='' J_SENT='' J_RCVD='' J_SPKTS='' J_PKTS='' J_LOST=''

# run_iperf NAME DIR ADDR ARGS...: iperf3 (JSON report in $OUT) with the
# sender's and the receiver's device counters around it; DIR is a->b or
# b->a (the latter runs with -R).
run_iperf()
{
	local name=$1 dir=$2 addr=$3 sns sdev rns rdev s0 r0 s1 r1 rc
	local -a sa ra sb rb

	shift 3
	if [ "$dir" = "a->b" ]; then
		sns=$NS_A sdev=$IB_A rns=$NS_B rdev=$IB_B
	else
		sns=$NS_B sdev=$IB_B rns=$NS_A rdev=$IB_A
		set -- "$@" -R
	fi
	s0=$(snap "$sns" "$sdev") r0=$(snap "$rns" "$rdev")
	iperf3_run "$NS_A" "$NS_B" "$addr" "$OUT" -J "$@"
	rc=$?
	s1=$(snap "$sns" "$sdev") r1=$(snap "$rns" "$rdev")
	read -ra sa <<<"$s0"
	read -ra sb <<<"$s1"
	read -ra ra <<<"$r0"
	read -ra rb <<<"$r1"
	D_TXP=$((sb[0] - sa[0])) D_TXB=$((sb[1] - sa[1]))
	D_RXP=$((rb[2] - ra[2])) D_RXB=$((rb[3] - ra[3]))
	log_info "$name: sender $sdev tx +$D_TXP packets +$D_TXB bytes, receiver $rdev rx +$D_RXP packets +$D_RXB bytes"
	{
		read -r J_BPS; read -r J_SENT; read -r J_RCVD
		read -r J_SPKTS; read -r J_PKTS; read -r J_LOST
	} < <(json_get_all "$OUT" end.sum_received.bits_per_second \
		end.sum_sent.bytes end.sum_received.bytes end.sum_sent.packets \
		end.sum_received.packets end.sum_received.lost_packets)
	((rc == 0)) || check_err $rc "iperf3 $name failed: $(json_get "$OUT" error || tail -n 3 "$OUT")"
	return $rc
}

# rate_check NAME: print the receiver's rate of the last run (the line
# scripts/check.sh compares) and require it non-zero.
rate_check()
{
	local bps rate

	bps=$J_BPS
	rate=$(awk -v b="${bps:-0}" 'BEGIN { printf "%.2f", b / 1e6 }')
	log_info "iperf3 $1: $rate Mbit/s"
	awk -v r="$rate" 'BEGIN { exit !(r > 0) }'
	check_err $? "iperf3 $1 measured no throughput ('${bps:-none}')"
}

# tcp_check NAME: bytes received <= sent, and both devices counted them.
tcp_check()
{
	local sent rcvd mtu

	sent=$J_SENT
	rcvd=$J_RCVD
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	log_info "iperf3 $1: sent ${sent:-?} bytes, received ${rcvd:-?} bytes"
	[ -n "$sent" ] && [ -n "$rcvd" ] && [ "$rcvd" -gt 0 ] && [ "$rcvd" -le "$sent" ]
	check_err $? "iperf3 $1: received ${rcvd:-?} bytes of ${sent:-?} sent"
	[ "$D_TXB" -ge "${rcvd:-1}" ] && [ "$D_TXP" -ge $((${rcvd:-1} / mtu)) ]
	check_err $? "iperf3 $1: the sender's device counted $D_TXP packets / $D_TXB bytes for ${rcvd:-?} bytes delivered"
	[ "$D_RXB" -ge "${rcvd:-1}" ] && [ "$D_RXP" -ge $((${rcvd:-1} / mtu)) ]
	check_err $? "iperf3 $1: the receiver's device counted $D_RXP packets / $D_RXB bytes for ${rcvd:-?} bytes received"
	[ "$D_RXP" -le $((D_TXP + SLACK_PKTS)) ]
	check_err $? "iperf3 $1: the receiver's device got $D_RXP packets, the sender's sent $D_TXP"
}

test_tcp()
{
	run_iperf "tcp a->b" "a->b" "$IP4_B" -t "$IPERF_TIME"
	rate_check "tcp a->b"
	tcp_check "tcp a->b"
	log_test "iperf3 TCP a->b"

	run_iperf "tcp b->a" "b->a" "$IP4_B" -t "$IPERF_TIME"
	rate_check "tcp b->a"
	tcp_check "tcp b->a"
	log_test "iperf3 TCP b->a"

	run_iperf "tcp6 a->b" "a->b" "$IP6_B" -t "$IPERF_TIME"
	rate_check "tcp6 a->b"
	tcp_check "tcp6 a->b"
	log_test "iperf3 TCP over IPv6 a->b"
}

# udp_check NAME: iperf3's loss, and the loss between the two devices'
# counters, within UDP_MAX_LOSS; the devices counted the datagrams.
udp_check()
{
	local sent pkts lost rcvd loss ifloss

	sent=$J_SPKTS
	pkts=$J_PKTS
	lost=$J_LOST
	if [ -z "$sent" ] || [ -z "$pkts" ] || [ -z "$lost" ] || [ "$sent" -eq 0 ]; then
		check_err 1 "iperf3 $1: no datagram counts in the report"
		return
	fi
	rcvd=$((pkts - lost))
	loss=$(awk -v l="$lost" -v p="$pkts" 'BEGIN { printf "%.2f", p ? 100 * l / p : 100 }')
	ifloss=$(awk -v t="$D_TXP" -v r="$D_RXP" 'BEGIN { printf "%.2f", t ? 100 * (t - r) / t : 100 }')
	log_info "iperf3 $1 lost $loss% ($lost of $pkts); devices: sent $D_TXP, received $D_RXP packets, lost $ifloss%"
	awk -v l="$loss" -v m="$UDP_MAX_LOSS" 'BEGIN { exit !(l <= m) }'
	check_err $? "iperf3 $1 lost $loss% (limit $UDP_MAX_LOSS%)"
	awk -v l="$ifloss" -v m="$UDP_MAX_LOSS" 'BEGIN { exit !(l <= m) }'
	check_err $? "iperf3 $1: the devices lost $ifloss% ($D_TXP sent, $D_RXP received; limit $UDP_MAX_LOSS%)"
	[ "$D_TXP" -ge "$sent" ]
	check_err $? "iperf3 $1 sent $sent datagrams, the sender's device counted $D_TXP packets"
	[ "$D_RXP" -ge "$rcvd" ]
	check_err $? "iperf3 $1 received $rcvd datagrams, the receiver's device counted $D_RXP packets"
	[ "$D_RXP" -le $((D_TXP + SLACK_PKTS)) ]
	check_err $? "iperf3 $1: the receiver's device got $D_RXP packets, the sender's sent $D_TXP"
}

test_udp()
{
	run_iperf "udp a->b" "a->b" "$IP4_B" -u -b "$UDP_RATE" -l "$UDP_LEN" -t "$IPERF_TIME"
	rate_check "udp a->b"
	udp_check "udp a->b"
	log_test "iperf3 UDP a->b at $UDP_RATE"

	run_iperf "udp b->a" "b->a" "$IP4_B" -u -b "$UDP_RATE" -l "$UDP_LEN" -t "$IPERF_TIME"
	rate_check "udp b->a"
	udp_check "udp b->a"
	log_test "iperf3 UDP b->a at $UDP_RATE"
}

test_exact()
{
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" "$XFER_BYTES"
	check_err $? "TCP transfer of $XFER_BYTES bytes a->b does not arrive intact"
	log_test "TCP a->b: $XFER_BYTES bytes arrive byte-exact"
}

ib_pair_setup
test_tcp
test_udp
test_exact
