#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make bench`: our ib_ipoib against the distribution's,
# alternating in one guest over the same softib fabric.  Every round first
# runs softib's own benchmark (fabric/bench, no IPoIB loaded: the fabric's
# ceiling), then loads softib and one driver, measures every row, unloads
# both, and does the same with the other driver.  Odd rounds start with
# ours, even rounds with the reference, so that neither always runs first.
# Not a test: it asserts nothing about rates.  Per mode (datagram, then
# connected at MTU 65520):
#
#	tcp1-MODE-a-b ...	iperf3 TCP, 1 and 4 streams (-P 4), a->b and
#	tcp4-MODE-b-a		b->a (-R), Mbit/s; ROW-cpu: guest CPU seconds
#				per GB received (busy jiffies of /proc/stat,
#				all CPUs, over the receiving device's rx_bytes)
#	udp64-MODE-tx, -rx	iperf3 UDP, 64-byte payloads, a->b, as fast as
#				it goes: packets/s at the interfaces (sender's
#				tx_packets, receiver's rx_packets), -loss the
#				share lost between them (%), -iperf what
#				iperf3's receiver read (/s), -cpu CPU s per
#				million packets sent
#	ping-MODE-min, -p50,	BENCH_PINGS echo round trips (ping -i 0: the
#	-p99			next request leaves when the answer is in), us
#	tcprr-MODE		TCP request/response (1 byte each way,
#				out/bench/tcp_rr), transactions/s
#
# and in datagram mode, with 1, 100 and 1000 IPv4 multicast groups joined
# on a's interface (out/bench/mcast_load), mcastN-send: 64-byte datagrams/s
# that a sends to the last group (tx_packets), mcastN-cpu: CPU s per
# million.  With 1, 100 and 1000 static neighbours of a's interface
# (BENCH_NEIGH), each one of softib's phantom peers (fabric/phantoms: a GID
# and LID the SA answers PathRecords for, and a fabric end that takes UD
# messages), neighN-send: 64-byte datagrams/s that a sends round-robin to
# the first N of them (tx_packets, after a warm-up pass that reached every
# one of them, so every path is resolved), neighN-cpu: CPU s per million.
#
# Then the vendor offload path (BENCH_RN=1): softib reloaded with
# enhanced=1 (rdma_netdev, 4 channels per port: softib's model of mlx5's
# data path), datagram mode, a->b only, the rows above with the prefix
# rn-: rn-tcp1-datagram-a-b, rn-tcp4-datagram-a-b (and -cpu), the
# rn-udp64-datagram-* and rn-ping-datagram-* rows, and
# rn-tcp4-datagram-a-b-rxq: how many of b's receive queues the 4-stream
# run used (ethtool -S rxN_packets, 100 packets or more; no number when
# the driver did not take the vendor path).
#
# And several UD send queues on the built-in path (BENCH_MQ=1): with the
# first load, datagram mode, both ends given BENCH_MQ_TXQ send queues
# (ethtool -L tx; the reference has no -L and keeps its one queue), a->b:
# mq-tcp4-datagram-a-b (and -cpu), 4 streams, and the mq-udp64-datagram-*
# rows with 2 UDP streams (one stream would use one queue).
#
# Output, besides "# " diagnostics (the format Documentation/bench.rst
# describes; scripts/bench.sh turns it into JSON and a chart):
#	unit ROW UNIT higher|lower	every planned row, first
#	ceiling ROW FABRIC_ROW		the fabric row that bounds ROW
#	notmeasured WHAT REASON
#	sample ROW DRIVER ROUND VALUE	DRIVER: ours, reference, fabric
# then the table of selftests/bench/summary.awk.
#
#   BENCH_ROUNDS   rounds (default 7; 1 with BENCH_QUICK=1)
#   BENCH_SECS     seconds per iperf3, tcp_rr and mcast_load run (5; 2)
#   BENCH_PINGS    echo requests per ping row (1000; 200)
#   BENCH_MODES    "datagram connected" ("datagram")
#   BENCH_MCAST    group counts of the scale rows ("1 100 1000"; "" for none)
#   BENCH_NEIGH    neighbour counts of the scale rows (the same)
#   BENCH_RN       1: the vendor path rows (default); 0: none
#   BENCH_MQ       1: the several-send-queue rows (default); 0: none
#   BENCH_MQ_TXQ   send queues for them (2)
#   BENCH_TESTS    per-mode runs to make: any of "tcp udp ping rr" (all)
#   BENCH_RN_TESTS the same for the vendor path rows: "tcp udp ping" (all)
#   BENCH_QUICK    1: the quick defaults above
#   BENCH_OUT      file for the raw lines (default: a temporary one)
#
# Run by scripts/bench.sh (`make bench`) inside a stock-kernel guest, and
# by selftests/bench_smoke.sh (one quick round) in `make check`.
# shellcheck disable=SC2034	# read by lib.sh
KTAP_QUIET=1
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ib_lib.sh"

require_cmd iperf3 ss ping ethtool

BENCH_DIR=$LIB_DIR/bench
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-1}
	SECS=${BENCH_SECS:-2}
	PINGS=${BENCH_PINGS:-200}
	MODES=${BENCH_MODES:-datagram}
else
	ROUNDS=${BENCH_ROUNDS:-7}
	SECS=${BENCH_SECS:-5}
	PINGS=${BENCH_PINGS:-1000}
	MODES=${BENCH_MODES:-datagram connected}
fi
MCAST=${BENCH_MCAST-1 100 1000}
NEIGH=${BENCH_NEIGH-1 100 1000}
RN=${BENCH_RN:-1}
MQ=${BENCH_MQ:-1}
MQ_TXQ=${BENCH_MQ_TXQ:-2}
TESTS=" ${BENCH_TESTS-tcp udp ping rr} "
RN_TESTS=" ${BENCH_RN_TESTS-tcp udp ping} "
# row name prefix: rn- while the vendor path is measured, mq- while the
# several send queues are
RP=
# iperf3 UDP streams of the udp64 rows (2 for the mq- rows)
UDP_STREAMS=1
if [[ " $MODES " != *" datagram "* ]]; then
	MCAST=
	NEIGH=
fi
SAMPLES=${BENCH_OUT:-$(mktemp)}
OUT=$(mktemp)
defer rm -f "$OUT" "$OUT.srv"
: >"$SAMPLES"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null) || CLK_TCK=100
# softib's benchmark cases: the fabric rows
FABRIC_CASES="ud64 ud1024 ud2048 ud4096 rc64 rc4096 rc65536"
PORT=5201
RR_PORT=5202

# The helpers are built on the host (make: out/bench/); when they are
# missing or older than their source, they are built here.
TOOLS=$PROJ_DIR/out/bench
tools_fresh()
{
	local t

	for t in tcp_rr mcast_load; do
		[ -x "$TOOLS/$t" ] && [ ! "$BENCH_DIR/$t.c" -nt "$TOOLS/$t" ] || return 1
	done
}
if ! tools_fresh; then
	TOOLS=$(mktemp -d)
	defer rm -rf "$TOOLS"
	for t in tcp_rr mcast_load; do
		gcc -O2 -Wall -o "$TOOLS/$t" "$BENCH_DIR/$t.c" ||
			fail_all "cannot build $BENCH_DIR/$t.c (run make on the host)" "bench tools"
	done
fi

# emit LINE...: a raw line, on the output and in the samples file.
emit()
{
	echo "$*"
	echo "$*" >>"$SAMPLES"
}

# row NAME UNIT higher|lower [CEILING_ROW]
row()
{
	emit "unit $1 $2 $3"
	[ -z "${4:-}" ] || emit "ceiling $1 $4"
}

# sample ROW DRIVER ROUND VALUE: a sample line when VALUE is a number.
sample()
{
	if [[ ${4:-} =~ ^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$ ]]; then
		emit "sample $1 $2 $3 $4"
	else
		log_info "$1 ($2, round $3): no value${4:+ ($4)}"
	fi
}

# cpu_busy VAR: busy jiffies of all CPUs since boot (not idle, not iowait).
cpu_busy()
{
	local -n cb_var=$1
	local user nice sys idle iowait irq softirq steal

	read -r _ user nice sys idle iowait irq softirq steal _ </proc/stat
	cb_var=$((user + nice + sys + irq + softirq + steal))
}

# stat_of NS DEV NAME VAR: an interface counter, read without a process.
stat_of()
{
	ns_file "$1" "/sys/class/net/$2/statistics/$3" "$4" || printf -v "$4" ''
}

# calc AWK_EXPR NAME=VALUE...: print an expression computed by awk (the
# expression gives "" rather than divide by zero), whole above 100.
calc()
{
	local expr=$1 v=() a

	shift
	for a in "$@"; do
		v+=(-v "$a")
	done
	awk "${v[@]}" "BEGIN { x = $expr; if (x != \"\") printf((x >= 100) ? \"%.0f\" : \"%.4g\", x) }" 2>/dev/null
}

# ---------------------------------------------------------------- rows

# tcp_rows PREFIX MODE CEILING DIR...: the TCP rows, 1 and 4 streams.
tcp_rows()
{
	local p=$1 mode=$2 ceil=$3 s dir

	shift 3
	for s in 1 4; do
		for dir in "$@"; do
			row "${p}tcp$s-$mode-$dir" Mbit/s higher "$ceil"
			row "${p}tcp$s-$mode-$dir-cpu" cpu-s/GB lower
		done
	done
}

# udp_ping_rows PREFIX MODE CEILING: the UDP packet rate and ping rows.
udp_ping_rows()
{
	local p=$1 mode=$2 ceil=$3

	row "${p}udp64-$mode-tx" pkt/s higher "$ceil"
	row "${p}udp64-$mode-rx" pkt/s higher "$ceil"
	row "${p}udp64-$mode-loss" % lower
	row "${p}udp64-$mode-iperf" pkt/s higher "$ceil"
	row "${p}udp64-$mode-cpu" cpu-s/Mpkt lower
	row "${p}ping-$mode-min" us lower
	row "${p}ping-$mode-p50" us lower
	row "${p}ping-$mode-p99" us lower
}

declare_rows()
{
	local mode tceil uceil n c

	for mode in $MODES; do
		if [ "$mode" = connected ]; then
			tceil=fabric-rc65536-mbps uceil=fabric-rc64
		else
			tceil=fabric-ud4096-mbps uceil=fabric-ud64
		fi
		tcp_rows "" "$mode" "$tceil" a-b b-a
		udp_ping_rows "" "$mode" "$uceil"
		row "tcprr-$mode" trans/s higher
	done
	if [ "$RN" = 1 ]; then
		tcp_rows rn- datagram fabric-ud4096-mbps a-b
		row rn-tcp4-datagram-a-b-rxq queues higher
		udp_ping_rows rn- datagram fabric-ud64
	fi
	if [ "$MQ" = 1 ]; then
		row mq-tcp4-datagram-a-b Mbit/s higher fabric-ud4096-mbps
		row mq-tcp4-datagram-a-b-cpu cpu-s/GB lower
		row mq-udp64-datagram-tx pkt/s higher fabric-ud64
		row mq-udp64-datagram-rx pkt/s higher fabric-ud64
		row mq-udp64-datagram-loss % lower
		row mq-udp64-datagram-iperf pkt/s higher fabric-ud64
		row mq-udp64-datagram-cpu cpu-s/Mpkt lower
	fi
	for n in $MCAST; do
		row "mcast$n-send" pkt/s higher fabric-ud64
		row "mcast$n-cpu" cpu-s/Mpkt lower
	done
	for n in $NEIGH; do
		row "neigh$n-send" pkt/s higher fabric-ud64
		row "neigh$n-cpu" cpu-s/Mpkt lower
	done
	for c in $FABRIC_CASES; do
		row "fabric-$c" msg/s higher
	done
	row fabric-ud4096-mbps Mbit/s higher
	row fabric-rc65536-mbps Mbit/s higher
}

# ---------------------------------------------------------------- steps

# bench_down: namespaces, ib_ipoib and softib gone, ready for the next load.
bench_down()
{
	ns_del "$NS_A"
	ns_del "$NS_B"
	! lsmod_has ib_ipoib || wait_for 30 rmmod ib_ipoib 2>/dev/null
	! lsmod_has softib || wait_for 30 rmmod softib 2>/dev/null
	! lsmod_has ib_ipoib && ! lsmod_has softib
}

# bench_fabric ROUND: softib's own benchmark, softib alone loaded.
bench_fabric()
{
	local f=$SIB_DBG/fabric/bench type size rate bps

	lsmod_has softib || load_softib
	if ! echo run >"$f"; then
		log_info "fabric benchmark (round $1) failed"
		return 1
	fi
	while read -r type _ size _ _ _ _ _ rate _ bps _; do
		case "$type" in ud|rc) ;; *) continue ;; esac
		sample "fabric-$type$size" fabric "$1" "$rate"
		case "$type$size" in
		ud4096|rc65536)
			sample "fabric-$type$size-mbps" fabric "$1" "$((bps * 8 / 1000000))" ;;
		esac
	done <"$f"
}

# bench_mode MODE: both ends in MODE, a full-size ping answered.
bench_mode()
{
	local mtu

	cm_set_mode "$NS_A" "$IB_A" "$1" >/dev/null || return 1
	cm_set_mode "$NS_B" "$IB_B" "$1" >/dev/null || return 1
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	wait_ping_df "$NS_A" "$IP4_B" "$mtu" 30
}

# server_start NS PORT CMD...: a one-off server; SRV_PID, waits until it
# listens.
server_start()
{
	local ns=$1 port=$2

	shift 2
	ip netns exec "$ns" "$@" >"$OUT.srv" 2>&1 &
	SRV_PID=$!
	wait_for 10 listening "$ns" "$port" && return 0
	bg_stop "$SRV_PID"
	log_info "server $* in $ns does not listen: $(cat "$OUT.srv")"
	return 1
}

# client NS SECS CMD...: run a client with a timeout, output in $OUT.
client()
{
	local ns=$1 secs=$2

	shift 2
	timeout $((secs + 30)) ip netns exec "$ns" "$@" >"$OUT" 2>&1
}

# rxq_packets NS DEV: the rxN_packets counters of ethtool -S (one per
# receive channel on the vendor path), on one line; nothing without them.
rxq_packets()
{
	# shellcheck disable=SC2046	# one line of numbers
	echo $(in_ns "$1" ethtool -S "$2" 2>/dev/null |
		awk '$1 ~ /^rx[0-9]+_packets:$/ { print $2 }')
}

# queues_used BEFORE AFTER MIN: how many queues counted MIN packets more
# (rxq_packets lines); nothing when there are no per-queue counters.
queues_used()
{
	local -a qb qa
	local i n=0

	read -ra qb <<<"$1"
	read -ra qa <<<"$2"
	[ "${#qa[@]}" -gt 0 ] || return 0
	for i in "${!qa[@]}"; do
		((qa[i] - ${qb[i]:-0} >= $3)) && n=$((n + 1))
	done
	echo "$n"
}

# bench_tcp DRIVER ROUND MODE STREAMS DIR: one iperf3 TCP run; with the
# rn- prefix and several streams, also ROW-rxq: receive queues used.
bench_tcp()
{
	local drv=$1 round=$2 r="${RP}tcp$4-$3-$5" args=() rns=$NS_B rdev=$IB_B
	local b0 b1 c0 c1 rc q0 rxq=

	[ "$5" = b-a ] && args+=(-R) && rns=$NS_A rdev=$IB_A
	[ "$4" = 1 ] || args+=(-P "$4")
	server_start "$NS_B" "$PORT" iperf3 -s -1 -B "$IP4_B" -p "$PORT" || return 1
	q0=$(rxq_packets "$rns" "$rdev")
	stat_of "$rns" "$rdev" rx_bytes b0
	cpu_busy c0
	client "$NS_A" "$SECS" iperf3 -c "$IP4_B" -p "$PORT" -f m -t "$SECS" "${args[@]}"
	rc=$?
	cpu_busy c1
	stat_of "$rns" "$rdev" rx_bytes b1
	[ "$RP" != rn- ] || [ "$4" = 1 ] || rxq=$(queues_used "$q0" "$(rxq_packets "$rns" "$rdev")" 100)
	bg_stop "$SRV_PID"
	if [ "$rc" != 0 ]; then
		log_info "$r ($drv, round $round): iperf3 failed: $(tail -n 2 "$OUT" | tr '\n' ' ')"
		return 1
	fi
	sample "$r" "$drv" "$round" "$(iperf3_rate "$OUT")"
	sample "$r-cpu" "$drv" "$round" "$(calc 'b > 0 ? c / hz / (b / 1e9) : ""' \
		c=$((c1 - c0)) b=$((b1 - b0)) hz="$CLK_TCK")"
	[ "$RP" != rn- ] || [ "$4" = 1 ] || sample "$r-rxq" "$drv" "$round" "$rxq"
}

# bench_udp DRIVER ROUND MODE: iperf3 UDP, 64-byte payloads, a->b.
bench_udp()
{
	local drv=$1 round=$2 r="${RP}udp64-$3" t0 t1 r0 r1 c0 c1 rc tx rx loss ipf cpu

	server_start "$NS_B" "$PORT" iperf3 -s -1 -B "$IP4_B" -p "$PORT" || return 1
	stat_of "$NS_A" "$IB_A" tx_packets t0
	stat_of "$NS_B" "$IB_B" rx_packets r0
	cpu_busy c0
	client "$NS_A" "$SECS" iperf3 -c "$IP4_B" -p "$PORT" -f m -u -l 64 -b 10G -t "$SECS" \
		-P "$UDP_STREAMS"
	rc=$?
	cpu_busy c1
	stat_of "$NS_A" "$IB_A" tx_packets t1
	stat_of "$NS_B" "$IB_B" rx_packets r1
	bg_stop "$SRV_PID"
	if [ "$rc" != 0 ]; then
		log_info "$r ($drv, round $round): iperf3 failed: $(tail -n 2 "$OUT" | tr '\n' ' ')"
		return 1
	fi
	# the stream's duration and iperf3's own count from its report
	read -r tx rx loss ipf cpu < <(awk -v secs="$SECS" -v dt=$((t1 - t0)) -v dr=$((r1 - r0)) \
		-v c=$((c1 - c0)) -v hz="$CLK_TCK" '
		/ sender$| receiver$/ {
			for (i = 1; i < NF; i++)
				if ($(i + 1) == "sec") { split($i, iv, "-"); d = iv[2] }
			if ($NF == "sender")
				sd = d
			for (i = 1; i <= NF; i++)
				if ($NF == "receiver" && $i ~ /^[0-9]+\/[0-9]+$/) {
					split($i, lt, "/")
					got = lt[2] - lt[1]
					rd = d
				}
		}
		END {
			if (sd <= 0) sd = secs
			loss = cpu = ipf = "-"
			if (dt > 0) {
				loss = sprintf("%.3f", 100 * (dt - (dr < dt ? dr : dt)) / dt)
				cpu = sprintf("%.3f", c / hz / (dt / 1e6))
			}
			if (rd > 0)
				ipf = sprintf("%.0f", got / rd)
			printf "%.0f %.0f %s %s %s\n", dt / sd, dr / sd, loss, ipf, cpu
		}' "$OUT")
	sample "$r-tx" "$drv" "$round" "$tx"
	sample "$r-rx" "$drv" "$round" "$rx"
	sample "$r-loss" "$drv" "$round" "$loss"
	sample "$r-iperf" "$drv" "$round" "$ipf"
	sample "$r-cpu" "$drv" "$round" "$cpu"
}

# bench_ping DRIVER ROUND MODE: BENCH_PINGS round trips, one at a time.
bench_ping()
{
	local drv=$1 round=$2 r="${RP}ping-$3" min p50 p99

	client "$NS_A" $((PINGS / 100)) ping -n -i 0 -W 2 -c "$PINGS" "$IP4_B"
	read -r min p50 p99 < <(sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$OUT" | sort -n | awk '
		{ v[NR] = $1 * 1000 }
		END {
			if (!NR) { print "- - -"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			k = int(NR * 0.99); if (k < NR * 0.99) k++
			printf "%.0f %.0f %.0f\n", v[1], m, v[k]
		}')
	[ "$min" != - ] || log_info "$r ($drv, round $round): no answer: $(tail -n 2 "$OUT" | tr '\n' ' ')"
	sample "$r-min" "$drv" "$round" "$min"
	sample "$r-p50" "$drv" "$round" "$p50"
	sample "$r-p99" "$drv" "$round" "$p99"
}

# bench_rr DRIVER ROUND MODE: TCP request/response transactions per second.
bench_rr()
{
	local drv=$1 round=$2 r="tcprr-$3" rate

	server_start "$NS_B" "$RR_PORT" "$TOOLS/tcp_rr" -s -b "$IP4_B" -p "$RR_PORT" || return 1
	client "$NS_A" "$SECS" "$TOOLS/tcp_rr" -c "$IP4_B" -p "$RR_PORT" -t "$SECS"
	bg_stop "$SRV_PID"
	rate=$(awk '$1 == "transactions" { print $NF }' "$OUT")
	[ -n "$rate" ] || log_info "$r ($drv, round $round): tcp_rr failed: $(tail -n 2 "$OUT" | tr '\n' ' ')"
	sample "$r" "$drv" "$round" "$rate"
}

# group_addr N: the Nth group of the scale rows (0: 239.1.0.1).
group_addr()
{
	local a=$((0xef010001 + $1))

	echo "$((a >> 24)).$((a >> 16 & 255)).$((a >> 8 & 255)).$((a & 255))"
}

# send_rows ROW DRIVER ROUND MCAST_LOAD_ARGS...: a sends 64-byte datagrams
# with mcast_load for BENCH_SECS; samples ROW-send (a's tx_packets per
# second) and ROW-cpu (CPU s per million of them).
send_rows()
{
	local row=$1 drv=$2 round=$3 t0 t1 c0 c1 secs

	shift 3
	stat_of "$NS_A" "$IB_A" tx_packets t0
	cpu_busy c0
	client "$NS_A" "$SECS" "$TOOLS/mcast_load" -i "$IP4_A" "$@" -l 64 -t "$SECS"
	cpu_busy c1
	stat_of "$NS_A" "$IB_A" tx_packets t1
	secs=$(awk '$1 == "sent" { print $4 }' "$OUT")
	[ -n "$secs" ] || log_info "$row ($drv, round $round): mcast_load failed: $(tail -n 2 "$OUT" | tr '\n' ' ')"
	sample "$row-send" "$drv" "$round" "$(calc 's > 0 ? t / s : ""' t=$((t1 - t0)) s="${secs:-0}")"
	sample "$row-cpu" "$drv" "$round" "$(calc 't > 0 ? c / hz / (t / 1e6) : ""' \
		t=$((t1 - t0)) c=$((c1 - c0)) hz="$CLK_TCK")"
}

# groups_joined GID N: the SA lists GID as a full member of N or more of
# the scale rows' groups (239.1.0.0/16 maps to MGIDs ...:0f01:XXXX).
groups_joined()
{
	[ "$(awk -v g=" $1/1" 'index($1, "ff12:401b:ffff:0000:0000:0000:0f01:") == 1 &&
		index($0, g) { n++ } END { print n + 0 }' "$SIB_DBG/fabric/groups")" -ge "$2" ]
}

# bench_mcast DRIVER ROUND: sends to one of N groups joined on a's
# interface, N from BENCH_MCAST (increasing); datagram mode.
bench_mcast()
{
	local drv=$1 round=$2 n have=0 max=0 gid pids=()

	for n in $MCAST; do
		[ "$n" -le "$max" ] || max=$n
	done
	in_ns "$NS_A" sysctl -qw net.ipv4.igmp_max_memberships=$((max + 64)) ||
		log_info "cannot raise igmp_max_memberships in $NS_A"
	gid=$(sib_gid softib0 1)
	for n in $MCAST; do
		if [ "$n" -gt "$have" ]; then
			ip netns exec "$NS_A" "$TOOLS/mcast_load" -i "$IP4_A" \
				-g "$(group_addr "$have")" -j $((n - have)) >"$OUT.join$n" 2>&1 &
			pids+=("$!")
			if ! wait_for 120 groups_joined "$gid" "$n"; then
				log_info "mcast$n ($drv, round $round): $n groups not joined: $(cat "$OUT.join$n")"
				break
			fi
			have=$n
		fi
		send_rows "mcast$n" "$drv" "$round" -g "$(group_addr $((n - 1)))"
	done
	for n in "${pids[@]}"; do
		bg_stop "$n"
	done
	rm -f "$OUT".join*
}

# neigh_addr I: the address of phantom neighbour I (10.77.1.0 + I).
neigh_addr()
{
	local a=$((0x0a4d0100 + $1))

	echo "$((a >> 24)).$((a >> 16 & 255)).$((a >> 8 & 255)).$((a & 255))"
}

# phantoms_field NAME: a line of softib's fabric/phantoms.
phantoms_field()
{
	awk -v k="$1" '$1 == k { print $2 }' "$SIB_DBG/fabric/phantoms"
}

# neigh_setup N: N phantom peers and, on a's interface, a permanent
# neighbour for each: neigh_addr I at QPN 0x100, GID fe80::<guid_base + I>
# (guid_base ends in 16 zero bits: I fills them).  One awk and one ip.
neigh_setup()
{
	local n=$1 base hi

	echo "$n" >"$SIB_DBG/fabric/phantoms" || return 1
	base=$(phantoms_field guid_base) || return 1
	[ -n "$base" ] && [ $((base & 0xffff)) = 0 ] || return 1
	hi=$(printf %012x $((base >> 16)) | sed 's/../&:/g')
	in_ns "$NS_A" ip route replace 10.77.0.0/16 dev "$IB_A" || return 1
	awk -v n="$n" -v a0=$((0x0a4d0100)) -v dev="$IB_A" -v hi="$hi" 'BEGIN {
		for (i = 0; i < n; i++) {
			a = a0 + i
			printf "neigh replace %d.%d.%d.%d dev %s nud permanent lladdr " \
				"00:00:01:00:fe:80:00:00:00:00:00:00:%s%02x:%02x\n",
				int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256,
				a % 256, dev, hi, int(i / 256), i % 256
		}
	}' | in_ns "$NS_A" ip -batch -
}

# neigh_warm N: a sends to the first N neighbours until softib has seen a
# message reach each of them (their paths are resolved), 60 s at most.
neigh_warm()
{
	local n=$1 deadline=$((SECONDS + 60 * RIG_SLOW)) r

	while [ "$SECONDS" -lt "$deadline" ]; do
		client "$NS_A" 1 "$TOOLS/mcast_load" -i "$IP4_A" \
			-g "$(neigh_addr 0)" -n "$n" -l 64 -t 0.3 || return 1
		r=$(phantoms_field reached)
		[ "${r:-0}" -lt "$n" ] || return 0
	done
	log_info "only ${r:-0} of $n phantom neighbours reached"
	return 1
}

# bench_neigh DRIVER ROUND: sends round-robin to N neighbours of a's
# interface, N from BENCH_NEIGH (increasing); datagram mode.
bench_neigh()
{
	local drv=$1 round=$2 n max=0

	for n in $NEIGH; do
		[ "$n" -le "$max" ] || max=$n
	done
	if ! neigh_setup "$max"; then
		log_info "neigh ($drv, round $round): no phantom neighbours"
		return
	fi
	for n in $NEIGH; do
		neigh_warm "$n" || break
		send_rows "neigh$n" "$drv" "$round" -g "$(neigh_addr 0)" -n "$n"
	done
	echo 0 >"$SIB_DBG/fabric/phantoms"
}

# bench_driver DRIVER ROUND: every row with one driver.
bench_driver()
{
	local mode s dir start=$SECONDS

	# shellcheck disable=SC2034	# read by load_ipoib
	IPOIB=$1
	ib_pair_setup
	for mode in $MODES; do
		if ! bench_mode "$mode"; then
			log_info "$1: no traffic in $mode mode, round $2"
			continue
		fi
		for s in 1 4; do
			for dir in a-b b-a; do
				[[ $TESTS != *" tcp "* ]] || bench_tcp "$1" "$2" "$mode" "$s" "$dir"
			done
		done
		[[ $TESTS != *" udp "* ]] || bench_udp "$1" "$2" "$mode"
		[[ $TESTS != *" ping "* ]] || bench_ping "$1" "$2" "$mode"
		[[ $TESTS != *" rr "* ]] || bench_rr "$1" "$2" "$mode"
	done
	if [ -n "$MCAST" ]; then
		if bench_mode datagram; then
			bench_mcast "$1" "$2"
		else
			log_info "$1: no traffic in datagram mode for the multicast rows, round $2"
		fi
	fi
	if [ -n "$NEIGH" ]; then
		if bench_mode datagram; then
			bench_neigh "$1" "$2"
		else
			log_info "$1: no traffic in datagram mode for the neighbour rows, round $2"
		fi
	fi
	[ "$MQ" != 1 ] || bench_mq "$1" "$2"
	bench_down || fail_all "$1: modules will not unload" "bench"
	log_info "$1, round $2: $((SECONDS - start)) s"
	[ "$RN" != 1 ] || bench_rn "$1" "$2"
}

# txq_packets NS DEV: the txN_packets counters of ethtool -S (one per UD
# send queue), on one line; nothing without them.
txq_packets()
{
	# shellcheck disable=SC2046	# one line of numbers
	echo $(in_ns "$1" ethtool -S "$2" 2>/dev/null |
		awk '$1 ~ /^tx[0-9]+_packets:$/ { print $2 }')
}

# bench_mq DRIVER ROUND: the mq- rows: both ends with MQ_TXQ send queues
# (ethtool -L tx), datagram mode, a->b; the reference keeps one queue.
bench_mq()
{
	local q0 n start=$SECONDS

	if ! bench_mode datagram; then
		log_info "$1: no traffic in datagram mode for the mq- rows, round $2"
		return
	fi
	if in_ns "$NS_A" ethtool -L "$IB_A" tx "$MQ_TXQ" 2>/dev/null &&
	   in_ns "$NS_B" ethtool -L "$IB_B" tx "$MQ_TXQ" 2>/dev/null; then
		wait_for 30 has_carrier "$NS_A" "$IB_A" && wait_for 30 has_carrier "$NS_B" "$IB_B" &&
			wait_ping "$NS_A" "$IP4_B" 30 ||
			log_info "$1: no traffic after ethtool -L tx $MQ_TXQ"
	else
		log_info "$1: no ethtool -L tx $MQ_TXQ: one send queue"
	fi
	RP=mq- UDP_STREAMS=2
	q0=$(txq_packets "$NS_A" "$IB_A")
	bench_tcp "$1" "$2" datagram 4 a-b
	n=$(queues_used "$q0" "$(txq_packets "$NS_A" "$IB_A")" 100)
	log_info "$1: the 4-stream run used ${n:-1 (no per-queue counters)} send queue(s) of a"
	bench_udp "$1" "$2" datagram
	RP="" UDP_STREAMS=1
	log_info "$1, round $2, several send queues: $((SECONDS - start)) s"
}

# bench_rn DRIVER ROUND: the vendor path rows: softib loaded with
# enhanced=1 (4 channels per port), datagram mode, a->b.
bench_rn()
{
	local s start=$SECONDS

	RP=rn-
	ib_pair_setup enhanced=1
	log_info "$1 on the vendor path: ethtool -i driver $(in_ns "$NS_A" ethtool -i "$IB_A" 2>/dev/null |
		awk '$1 == "driver:" { print $2 }')"
	if bench_mode datagram; then
		for s in 1 4; do
			[[ $RN_TESTS != *" tcp "* ]] || bench_tcp "$1" "$2" datagram "$s" a-b
		done
		[[ $RN_TESTS != *" udp "* ]] || bench_udp "$1" "$2" datagram
		[[ $RN_TESTS != *" ping "* ]] || bench_ping "$1" "$2" datagram
	else
		log_info "$1: no traffic on the vendor path, round $2"
	fi
	RP=
	bench_down || fail_all "$1: modules will not unload (vendor path)" "bench"
	log_info "$1, round $2, vendor path: $((SECONDS - start)) s"
}

log_info "bench: $ROUNDS rounds, modes: $MODES, ${SECS} s runs, $PINGS pings, multicast groups: ${MCAST:-none}, neighbours: ${NEIGH:-none}, vendor path: $RN, send queues: $([ "$MQ" = 1 ] && echo "$MQ_TXQ" || echo none)"
declare_rows
bench_down >/dev/null 2>&1
for ((round = 1; round <= ROUNDS; round++)); do
	if [ $((round % 2)) = 1 ]; then
		order="ours reference"
	else
		order="reference ours"
	fi
	bench_fabric "$round"
	for drv in $order; do
		bench_driver "$drv" "$round"
	done
done
echo
awk -f "$BENCH_DIR/summary.awk" "$SAMPLES"
