#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Wire compatibility of our ib_ipoib with the reference (the distribution's
# driver, rebuilt under the name ib_ipoib_ref by scripts/build-ref-ipoib.sh)
# in one kernel: both modules are loaded, so every softib port has two IPoIB
# net devices, one per driver.  Host a gets one driver's device of softib0,
# host b the other driver's device of softib1; the devices not used stay
# down.  Every case runs in both directions: [a=ours b=ref], then
# [a=ref b=ours].  Host c (softib2, the driver of b) holds the unsubscribed
# multicast listener.
#
#   ns a                         ns b                         ns c
#   ours|ref 192.0.2.1           ref|ours 192.0.2.2           (b's) 192.0.2.3
#   2001:db8::1                  2001:db8::2                  2001:db8::3
#        | softib0 port 1             | softib1 port 1             | softib2 port 1
#        +====================== softib fabric ====================+
#
# The script is the same whatever IPOIB says: ours is always one end, so
# `require_feature` asks what ours implements (connected mode and P_Key
# children are skipped with the reason until ours has them).
#
# The reference module: $IPOIB_REF_KO, else
# ${IPOIB_CACHE:-/var/cache/ipoib-rig}/ref-ipoib/$(uname -r)/ib_ipoib_ref.ko
# (scripts/build-ref-ipoib.sh [--kdir DIR] builds it).
#
# INTEROP_QUICK=1 (make demo): addresses and pings only, both directions.
#
# A check of this script itself: IPOIB_OURS_KO=FILE loads FILE in place of
# ours, e.g. the distribution's own ib_ipoib.ko.xz (it coexists with the
# renamed ib_ipoib_ref), and then runs every row, connected mode and P_Key
# children included (reference against reference).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

# Ours is under test at one end whatever IPOIB says (has_feature would
# otherwise grant everything with IPOIB=reference).
OURS_KO=${IPOIB_OURS_KO:-$MODDIR/ib_ipoib.ko}
IPOIB_ASKED=$IPOIB
# shellcheck disable=SC2034	# read by lib.sh
IPOIB=ours
# shellcheck disable=SC2034
[ -z "${IPOIB_OURS_KO:-}" ] || IPOIB=reference

require_cmd ping iperf3 socat ss python3

REF_KO=${IPOIB_REF_KO:-${IPOIB_CACHE:-/var/cache/ipoib-rig}/ref-ipoib/$(uname -r)/ib_ipoib_ref.ko}
NS_C=c
IP4_C=192.0.2.3
IP6_C=2001:db8::3
BCAST4=192.0.2.255
BCAST_MGID=ff12:401b:ffff:0000:0000:0000:ffff:ffff
UPORT=5000
RECOVER=${RECOVER:-20}
SM=$SIB_DBG/fabric/sm
# P_Key child topology (pkey-child rows)
CHILD_PKEY=0x8001
CIP4_A=198.51.100.1
CIP4_B=198.51.100.2
CIP6_A=2001:db8:1::1
CIP6_B=2001:db8:1::2

declare -A DEV=()	# DEV[ours,softib0] = ib0 ...
IB_C=
DIR=			# "a=ours b=ref"
DRV_A='' DRV_B=''

# INTEROP_TIMES=1: log how long each case took.
if [ "${INTEROP_TIMES:-0}" = 1 ]; then
	eval "$(declare -f log_test | sed '1s/^log_test/lib_log_test/')"
	CASE_T0=$SECONDS
	log_test()
	{
		log_info "took $((SECONDS - CASE_T0)) s: $1"
		CASE_T0=$SECONDS
		lib_log_test "$@"
	}
fi

# ---------------------------------------------------------------- setup

# map_devs OURS_IDX N: fill DEV[DRIVER,IBDEV] from the IPoIB (type 32)
# devices of the initial namespace whose address carries the GID of IBDEV
# port 1: DRIVER is ours when the device's ifindex is in the list OURS_IDX
# (" 1 2 3 "), else ref.  Succeeds when at least N were found.  (Shell
# builtins only: every fork is slow in a TCG guest.)
map_devs()
{
	local ours_idx=$1 want=$2 ib g d t a idx drv n=0
	local -A gid_of=()

	for ib in softib0 softib1 softib2; do
		read -r g <"/sys/class/infiniband/$ib/ports/1/gids/0" || return 1
		g=${g//:/}
		gid_of[${g,,}]=$ib
	done
	for d in /sys/class/net/*; do
		read -r t <"$d/type" 2>/dev/null && [ "$t" = 32 ] || continue
		read -r a <"$d/address" || continue
		a=${a//:/}
		ib=${gid_of[${a:8}]:-}
		[ -n "$ib" ] || continue
		read -r idx <"$d/ifindex" || continue
		drv=ref
		[[ "$ours_idx" == *" $idx "* ]] && drv=ours
		DEV[$drv,$ib]=${d##*/}
		n=$((n + 1))
	done
	[ "$n" -ge "$want" ]
}

# ipoib_ifindexes: " 1 2 3 ", the ifindexes of the IPoIB (type 32) devices.
ipoib_ifindexes()
{
	local d t idx list=" "

	for d in /sys/class/net/*; do
		read -r t <"$d/type" 2>/dev/null && [ "$t" = 32 ] || continue
		read -r idx <"$d/ifindex" && list+="$idx "
	done
	echo "$list"
}

# link_kind DEV: the rtnetlink kind of DEV (initial namespace), if any.
link_kind()
{
	ip -d -o link show dev "$1" 2>/dev/null | grep -o 'ipoib[a-z_]*' | head -n 1
}

load_drivers()
{
	local ours_idx ib drv

	[ -f "$OURS_KO" ] || skip_all "$OURS_KO is not built"
	[ -z "${IPOIB_OURS_KO:-}" ] || log_info "'ours' is $OURS_KO (IPOIB_OURS_KO): every feature is tried"
	[ -f "$REF_KO" ] ||
		fail_all "no reference module $REF_KO: build it with scripts/build-ref-ipoib.sh [--kdir <the kernel's build tree>] (or set IPOIB_REF_KO)" "load drivers"
	load_softib devices=3
	lsmod_has ib_ipoib && { rmmod ib_ipoib || fail_all "an ib_ipoib is loaded and busy" "load drivers"; }
	lsmod_has ib_ipoib_ref && { rmmod ib_ipoib_ref || fail_all "an ib_ipoib_ref is loaded and busy" "load drivers"; }
	log_info "softib loaded after $SECONDS s"
	insmod "$OURS_KO" || fail_all "insmod $OURS_KO failed" "load drivers"
	LIB_MODS+=(ib_ipoib)
	wait_for 20 map_devs "" 3 ||
		fail_all "ours did not create an IPoIB device for each of softib0..2 port 1" "load drivers"
	log_info "ours loaded after $SECONDS s"
	# Everything of type 32 now is ours; what comes next is the reference's.
	ours_idx=$(ipoib_ifindexes)
	insmod "$REF_KO" || fail_all "insmod $REF_KO failed: $(dmesg | tail -n 3)" "load drivers"
	LIB_MODS+=(ib_ipoib_ref)
	DEV=()
	wait_for 20 map_devs "$ours_idx" 6 ||
		fail_all "not one IPoIB device per driver for each of softib0..2 port 1 (ours: ifindex$ours_idx): $(ip -br link show type ipoib_ref; ip -br link)" "load drivers"
	log_info "ib_ipoib_ref loaded after $SECONDS s"
	for ib in softib0 softib1 softib2; do
		for drv in ours ref; do
			[ -n "${DEV[$drv,$ib]:-}" ] || fail_all "no $drv IPoIB device for $ib port 1" "load drivers"
		done
		# Cross-check: the reference's parents carry its link kind.
		[ "$(link_kind "${DEV[ref,$ib]}")" = ipoib_ref ] ||
			fail_all "${DEV[ref,$ib]} (created by ib_ipoib_ref) has link kind '$(link_kind "${DEV[ref,$ib]}")', not ipoib_ref: cannot tell the drivers apart" "load drivers"
		[ "$(link_kind "${DEV[ours,$ib]}")" != ipoib_ref ] ||
			fail_all "${DEV[ours,$ib]} (ours) has link kind ipoib_ref" "load drivers"
		log_info "$ib port 1: ours ${DEV[ours,$ib]} $(cat "/sys/class/net/${DEV[ours,$ib]}/address"), ref ${DEV[ref,$ib]} $(cat "/sys/class/net/${DEV[ref,$ib]}/address")"
	done
	log_test "load softib, ib_ipoib (ours) and ib_ipoib_ref side by side"
}

# to_ns DEV NS IP4 IP6
to_ns()
{
	local dev=$1 ns=$2

	ip link set dev "$dev" netns "$ns" &&
		ip -n "$ns" addr add "$3/24" dev "$dev" &&
		ip -n "$ns" -6 addr add "$4/64" dev "$dev" nodad &&
		ip -n "$ns" link set dev "$dev" up
}

# back_from_ns NS DEV: down and back into the initial namespace.
back_from_ns()
{
	ip -n "$1" link set dev "$2" down 2>/dev/null
	ip -n "$1" link set dev "$2" netns 1 2>/dev/null
	wait_for 10 test -e "/sys/class/net/$2"
}

# topo_up DRV_A DRV_B: the direction's topology; prints the first case.
topo_up()
{
	local ns

	DRV_A=$1 DRV_B=$2
	DIR="a=$DRV_A b=$DRV_B"
	IB_A=${DEV[$DRV_A,softib0]}
	IB_B=${DEV[$DRV_B,softib1]}
	IB_C=${DEV[$DRV_B,softib2]}
	setup_ns "$NS_A" "$NS_B" "$NS_C" || fail_all "cannot create namespaces" "topology [$DIR]"
	to_ns "$IB_A" "$NS_A" "$IP4_A" "$IP6_A" &&
		to_ns "$IB_B" "$NS_B" "$IP4_B" "$IP6_B" &&
		to_ns "$IB_C" "$NS_C" "$IP4_C" "$IP6_C"
	check_err $? "cannot move/address $IB_A, $IB_B, $IB_C"
	# IPv4 multicast needs a route out of the namespace.
	ip -n "$NS_A" route add 224.0.0.0/4 dev "$IB_A" &&
		ip -n "$NS_B" route add 224.0.0.0/4 dev "$IB_B"
	check_err $? "cannot add the multicast routes"
	log_info "[$DIR] topology: $NS_A/$IB_A ($DRV_A) <-> $NS_B/$IB_B ($DRV_B), $NS_C/$IB_C ($DRV_B)"

	wait_for 30 has_carrier "$NS_A" "$IB_A"
	check_err $? "[$DIR] $IB_A ($DRV_A) in $NS_A has no carrier after 30 s"
	wait_for 30 has_carrier "$NS_B" "$IB_B"
	check_err $? "[$DIR] $IB_B ($DRV_B) in $NS_B has no carrier after 30 s"
	wait_for 30 has_carrier "$NS_C" "$IB_C"
	check_err $? "[$DIR] $IB_C ($DRV_B) in $NS_C has no carrier after 30 s"
	MTU=$(ib_mtu "$NS_A" "$IB_A")
	[ "$MTU" = "$(ib_mtu "$NS_B" "$IB_B")" ]
	(($? == 0)) || check_err 1 "[$DIR] MTUs differ: $IB_A ($DRV_A) $MTU, $IB_B ($DRV_B) $(ib_mtu "$NS_B" "$IB_B")"
	log_test "carrier, same MTU ($MTU) [$DIR]"
}

topo_down()
{
	back_from_ns "$NS_A" "$IB_A"
	back_from_ns "$NS_B" "$IB_B"
	back_from_ns "$NS_C" "$IB_C"
}

# ---------------------------------------------------------------- unicast

# neigh_case FAMILY: ARP / ND resolve each other's 20-byte address.
neigh_case()
{
	local fam=$1 ipa=$IP4_A ipb=$IP4_B what=ARP addr_a addr_b got

	[ "$fam" = 6 ] && ipa=$IP6_A ipb=$IP6_B what=ND
	addr_a=$(ib_addr "$NS_A" "$IB_A")
	addr_b=$(ib_addr "$NS_B" "$IB_B")
	ip -n "$NS_A" neigh flush dev "$IB_A"
	ip -n "$NS_B" neigh flush dev "$IB_B"
	wait_ping "$NS_A" "$ipb" 10
	check_err $? "[$DIR] IPv$fam ping a->b ($DRV_A->$DRV_B) failed"
	got=$(neigh_lladdr "$NS_A" "$ipb" "$IB_A")
	[ "$got" = "$addr_b" ]
	check_err $? "[$DIR] $what on a ($DRV_A) for $ipb: '$got', expected b's ($DRV_B) $addr_b"
	got=$(neigh_lladdr "$NS_B" "$ipa" "$IB_B")
	[ "$got" = "$addr_a" ]
	check_err $? "[$DIR] $what on b ($DRV_B) for $ipa: '$got', expected a's ($DRV_A) $addr_a"
	log_test "$what resolves the peer's 20-byte address [$DIR]"
}

# ping_both FAMILY SIZE [ARGS...]: a->b and b->a.
ping_both()
{
	local fam=$1 size=$2 ipa=$IP4_A ipb=$IP4_B

	shift 2
	[ "$fam" = 6 ] && ipa=$IP6_A ipb=$IP6_B
	ping_ok "$NS_A" "$ipb" -s "$size" "$@"
	check_err $? "[$DIR] IPv$fam ping -s $size $* a->b ($DRV_A->$DRV_B) failed"
	ping_ok "$NS_B" "$ipa" -s "$size" "$@"
	check_err $? "[$DIR] IPv$fam ping -s $size $* b->a ($DRV_B->$DRV_A) failed"
}

ping_cases()
{
	local fam max hdr

	for fam in 4 6; do
		ping_both "$fam" 56
		log_test "IPv$fam ping 56 bytes both ways [$DIR]"
	done
	for fam in 4 6; do
		hdr=28
		[ "$fam" = 6 ] && hdr=48
		max=$((MTU - hdr))
		ping_both "$fam" "$max" -M "do"
		if [ "$fam" = 4 ]; then
			ping_ok "$NS_A" "$IP4_B" -s $((max + 1)) -M "do"
		else
			ping_ok "$NS_A" "$IP6_B" -s $((max + 1)) -M "do"
		fi
		(($? != 0)) || check_fail 0 "[$DIR] IPv$fam ping -s $((max + 1)) -M do passed although over MTU $MTU"
		log_test "IPv$fam ping $max bytes (MTU $MTU) with DF both ways [$DIR]"
	done
	ping_both 4 $((MTU * 3 + 100)) -M dont
	log_test "IPv4 ping $((MTU * 3 + 100)) bytes fragmented both ways [$DIR]"
	ping_both 6 $((MTU * 3 + 100))
	log_test "IPv6 ping $((MTU * 3 + 100)) bytes fragmented both ways [$DIR]"
}

# iperf_case SRC_NS DST_NS DST_ADDR WHAT: iperf3 TCP (no speed assertion;
# iperf3's end counts race with the test end, so received <= sent is checked
# there) and a byte-exact socat transfer (checksums at both ends).
iperf_case()
{
	local sns=$1 dns=$2 addr=$3 what=$4 out sent rcvd bps rc

	out=$(mktemp)
	iperf3_run "$sns" "$dns" "$addr" "$out" -t 1 -J
	rc=$?
	{ read -r sent; read -r rcvd; read -r bps; } < <(json_get_all "$out" \
		end.sum_sent.bytes end.sum_received.bytes end.sum_received.bits_per_second)
	log_info "[$DIR] iperf3 $what: sent ${sent:-?} bytes, received ${rcvd:-?} (${bps%.*} bit/s)"
	((rc == 0)) || check_err $rc "[$DIR] iperf3 TCP $what failed: $(json_get "$out" error || tail -n 3 "$out")"
	[ "${rcvd:-0}" -gt 0 ] && [ "${rcvd:-0}" -le "${sent:-0}" ]
	check_err $? "[$DIR] iperf3 TCP $what: received ${rcvd:-?} bytes of ${sent:-?} sent"
	rm -f "$out"
	tcp_transfer "$sns" "$dns" "$addr" 2000000
	check_err $? "[$DIR] TCP transfer $what: 2000000 bytes not received intact"
	log_test "iperf3 TCP $what, byte-exact transfer [$DIR]"
}

# txq_pkts NS DEV: the tx packets of each send queue (ethtool -S txN_packets).
txq_pkts()
{
	in_ns "$1" ethtool -S "$2" 2>/dev/null |
		awk '$1 ~ /^tx[0-9]+_packets:$/ { printf "%s ", $2 }'
}

# mq_case: ours with every send queue it may have (ethtool -L tx max)
# against the reference: its datagrams leave from several send QPs, whose
# QPNs are not the one in its address, and the reference takes them all:
# iperf3 with 4 streams each way, a broadcast ping answered; one queue
# again after.
mq_case()
{
	local ns=$NS_A dev=$IB_A pns=$NS_B pip=$IP4_B side=a max out rc i
	local used=0 rcvd1 rcvd2 pong
	local -a q0 q1

	[ "$DRV_B" = ours ] && ns=$NS_B dev=$IB_B pns=$NS_A pip=$IP4_A side=b
	max=$(in_ns "$ns" ethtool -l "$dev" 2>/dev/null | awk '$1 == "TX:" { print $2; exit }')
	if ! [ "${max:-1}" -gt 1 ] 2>/dev/null; then
		log_test_skip "ours with several send queues [$DIR]" "one send queue at ours' end"
		return
	fi
	in_ns "$ns" ethtool -L "$dev" tx "$max" && wait_for 30 has_carrier "$ns" "$dev" &&
		wait_ping "$ns" "$pip" 30
	check_err $? "[$DIR] ethtool -L tx $max: failed, or no carrier or ping after it"
	read -ra q0 <<<"$(txq_pkts "$ns" "$dev")"
	out=$(mktemp)
	iperf3_run "$ns" "$pns" "$pip" "$out" -t 1 -J -P 4
	rc=$?
	rcvd1=$(json_get "$out" end sum_received bytes)
	iperf3_run "$ns" "$pns" "$pip" "$out" -t 1 -J -P 4 -R
	rc=$((rc | $?))
	rcvd2=$(json_get "$out" end sum_received bytes)
	rm -f "$out"
	read -ra q1 <<<"$(txq_pkts "$ns" "$dev")"
	for i in "${!q1[@]}"; do
		[ $((q1[i] - ${q0[i]:-0})) -ge 20 ] && used=$((used + 1))
	done
	log_info "[$DIR] ours ($side) with $max send queues: iperf3 received ${rcvd1:-?} / ${rcvd2:-?} bytes; queues ${q0[*]} -> ${q1[*]}"
	[ "$rc" = 0 ] && [ "${rcvd1:-0}" -gt 0 ] && [ "${rcvd2:-0}" -gt 0 ]
	check_err $? "[$DIR] iperf3 -P 4 with ours on $max send queues: exit $rc, received ${rcvd1:-?} / ${rcvd2:-?} bytes"
	[ "$used" -ge 2 ]
	check_err $? "[$DIR] ours used $used send queue(s): ${q0[*]} -> ${q1[*]}"
	in_ns "$ns" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1
	in_ns "$pns" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
	pong=$(in_ns "$ns" ping -b -c 3 -i 0.3 -W 2 "$BCAST4" 2>&1)
	grep -q "from $pip" <<<"$pong"
	check_err $? "[$DIR] broadcast ping from ours on $max send queues: no answer from $pip"
	in_ns "$ns" ethtool -L "$dev" tx 1 && wait_for 30 has_carrier "$ns" "$dev"
	check_err $? "[$DIR] ethtool -L tx 1 failed or no carrier after it"
	log_test "ours ($side) with $max send queues <-> ref: iperf3 -P 4 both ways, broadcast ping [$DIR]"
}

# ---------------------------------------------------------------- multicast

# mc_burst NS FAMILY GROUP SRC_IP FILE: from one socket, numbered
# datagrams "first N" every 0.1 s until FILE (the subscriber's output) is
# non-empty (the sender's join may be pending), then "extra 1".."extra 5"
# back to back; gives up after 20 s (times RIG_SLOW).
mc_burst()
{
	in_ns "$1" python3 - "$2" "$3" "$4" "$5" "$UPORT" "$((20 * RIG_SLOW))" <<'PYEOF'
import os, socket, sys, time
fam, grp, src, path, port, limit = sys.argv[1:7]
port = int(port)
if fam == "6":
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
end = time.time() + float(limit)
i = 0
while time.time() < end:
    i += 1
    s.sendto(b"first %d\n" % i, (grp, port))
    time.sleep(0.1)
    if os.path.getsize(path) > 0:
        break
else:
    sys.exit(1)
for i in range(1, 6):
    s.sendto(b"extra %d\n" % i, (grp, port))
PYEOF
}

# mcast_case FAMILY FROM(a|b) GROUP
mcast_case()
{
	local fam=$1 from=$2 grp=$3 sns sip rns rdev rip rdrv sdrv sub nosub
	local rx0 rx1 opt

	if [ "$from" = a ]; then
		sns=$NS_A sip=$IP4_A sdrv=$DRV_A rns=$NS_B rdev=$IB_B rip=$IP4_B rdrv=$DRV_B
	else
		sns=$NS_B sip=$IP4_B sdrv=$DRV_B rns=$NS_A rdev=$IB_A rip=$IP4_A rdrv=$DRV_A
	fi
	opt="ip-add-membership=$grp:$rip"
	[ "$fam" = 6 ] && opt="ipv6-join-group=[$grp]:$rdev"
	sub=$(mktemp) nosub=$(mktemp)
	bg_start "$rns" "$sub" socat -u "UDP$fam-RECV:$UPORT,reuseaddr,$opt" -
	local pid_sub=$BG_PID
	bg_start "$NS_C" "$nosub" socat -u "UDP$fam-RECV:$UPORT,reuseaddr" -
	local pid_nosub=$BG_PID
	wait_for 10 listening "$rns" "$UPORT" udp && wait_for 10 listening "$NS_C" "$UPORT" udp
	check_err $? "[$DIR] multicast listeners did not start"
	rx0=$(ib_stat "$NS_C" "$IB_C" rx_packets)
	mc_burst "$sns" "$fam" "$grp" "$sip" "$sub"
	check_err $? "[$DIR] $grp from $from ($sdrv): the subscribed listener ($rdrv) received nothing within 20 s"
	wait_for 5 grep -q "^extra 5" "$sub"
	(($? == 0)) || check_err 1 "[$DIR] $grp from $from ($sdrv): the subscribed listener ($rdrv) got $(grep -c '^extra' "$sub") of 5 datagrams sent after the first arrived"
	rx1=$(ib_stat "$NS_C" "$IB_C" rx_packets)
	[ ! -s "$nosub" ]
	(($? == 0)) || check_err 1 "[$DIR] $grp from $from ($sdrv): the unsubscribed listener in $NS_C received: $(head -c 80 "$nosub")"
	[ $((rx1 - rx0)) -lt 5 ]
	(($? == 0)) || check_err 1 "[$DIR] $grp from $from ($sdrv): $IB_C (not subscribed) received $((rx1 - rx0)) packets meanwhile"
	bg_stop "$pid_sub"
	bg_stop "$pid_nosub"
	rm -f "$sub" "$nosub"
	log_test "IPv$fam multicast $grp from $from ($sdrv): subscriber receives, non-subscriber not [$DIR]"
}

# sendonly_case FROM(a|b) GROUP MGID: the receiver subscribes first; the
# sender (not a member) sends 5 datagrams at once: its send-only join, the
# packets queued meanwhile delivered, the SA lists it as send-only.
sendonly_case()
{
	local from=$1 grp=$2 mgid=$3 sns sip sdrv rns rip rdrv rib sib out js t0

	if [ "$from" = a ]; then
		sns=$NS_A sip=$IP4_A sdrv=$DRV_A sib=softib0 rns=$NS_B rip=$IP4_B rdrv=$DRV_B rib=softib1
	else
		sns=$NS_B sip=$IP4_B sdrv=$DRV_B sib=softib1 rns=$NS_A rip=$IP4_A rdrv=$DRV_A rib=softib0
	fi
	out=$(mktemp)
	listen_udp "$rns" "$out" "$UPORT" "$grp" "$rip"
	check_err $? "[$DIR] listener did not start"
	local pid=$BG_PID
	wait_for 10 sib_group_has_member "$mgid" "$(sib_gid "$rib" 1)" 1
	(($? == 0)) || check_err 1 "[$DIR] the subscriber ($rdrv) never became a full member of $mgid: $(sib_groups | grep "^$mgid" || echo 'no group')"
	t0=$SECONDS
	udp_send "$sns" "$grp" "$UPORT" 5 so
	wait_for 10 out_lines_ge "$out" 5 "so "
	(($? == 0)) || check_err 1 "[$DIR] send-only from $from ($sdrv): $(out_lines "$out" "so ") of 5 datagrams reached the subscriber ($rdrv)"
	log_info "[$DIR] send-only from $from ($sdrv): $(out_lines "$out" "so ") of 5 datagrams delivered after $((SECONDS - t0)) s"
	wait_for 5 sib_group_has_member "$mgid" "$(sib_gid "$sib" 1)"
	js=$(sib_groups | grep "^$mgid " | grep -o " $(sib_gid "$sib" 1)/[0-9a-f]*" | cut -d/ -f2)
	log_info "[$DIR] SA: sender $from ($sdrv) in $mgid with join state ${js:-none}"
	[ "$js" = 8 ] || [ "$js" = 4 ]
	check_err $? "[$DIR] sender $from ($sdrv) has join state '${js:-none}' in $mgid, expected send-only (8 or 4)"
	bg_stop "$pid"
	rm -f "$out"
	log_test "send-only multicast $grp from $from ($sdrv) to a subscriber ($rdrv) [$DIR]"
}

# bcast_case FROM(a|b): ping -b 192.0.2.255; the peer answers.
bcast_case()
{
	local from=$1 ns=$NS_A peer=$IP4_B out sdrv=$DRV_A

	[ "$from" = b ] && ns=$NS_B peer=$IP4_A sdrv=$DRV_B
	# Only the peer answers broadcast echoes (the sender's own stack,
	# which sees its broadcast looped back, and c ignore them).
	local ign_a=0 ign_b=1

	[ "$from" = a ] && ign_a=1 ign_b=0
	in_ns "$NS_A" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=$ign_a
	in_ns "$NS_B" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=$ign_b
	out=$(in_ns "$ns" ping -b -c 3 -i 0.3 -W 2 "$BCAST4" 2>&1)
	grep -q "from $peer" <<<"$out"
	(($? == 0)) || check_err 1 "[$DIR] broadcast ping from $from ($sdrv) to $BCAST4: no answer from $peer: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
	log_test "IPv4 broadcast ping from $from ($sdrv) answered by the peer [$DIR]"
}

# ---------------------------------------------------------------- events

# recovered WHAT: IPv4 and IPv6 both ways within RECOVER s.
recovered()
{
	local start=$SECONDS rc

	wait_ping "$NS_A" "$IP4_B" "$RECOVER" && wait_ping "$NS_B" "$IP4_A" 5 &&
		wait_ping "$NS_A" "$IP6_B" 5 && wait_ping "$NS_B" "$IP6_A" 5
	rc=$?
	log_info "[$DIR] $1: traffic back after $((SECONDS - start)) s (rc $rc)"
	return $rc
}

link_case()
{
	local la lb

	la=$(sib_port_knob softib0 1 link)
	lb=$(sib_port_knob softib1 1 link)
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "[$DIR] no traffic before the link test"
	sib_write "$la" down && sib_write "$lb" down
	check_err $? "[$DIR] cannot set the links down"
	wait_for 10 no_carrier "$NS_A" "$IB_A"
	check_err $? "[$DIR] $IB_A ($DRV_A) kept its carrier with its link down"
	wait_for 10 no_carrier "$NS_B" "$IB_B"
	check_err $? "[$DIR] $IB_B ($DRV_B) kept its carrier with its link down"
	sib_write "$la" up && sib_write "$lb" up
	check_err $? "[$DIR] cannot set the links up"
	wait_for "$RECOVER" has_carrier "$NS_A" "$IB_A"
	check_err $? "[$DIR] $IB_A ($DRV_A) has no carrier $RECOVER s after link up"
	wait_for "$RECOVER" has_carrier "$NS_B" "$IB_B"
	check_err $? "[$DIR] $IB_B ($DRV_B) has no carrier $RECOVER s after link up"
	recovered "link down/up"
	check_err $? "[$DIR] no traffic both ways within $RECOVER s of link up"
	log_test "link down/up on both ports: carrier and traffic recover [$DIR]"
}

sm_case()
{
	ip -n "$NS_A" neigh flush dev "$IB_A"
	ip -n "$NS_B" neigh flush dev "$IB_B"
	sib_write "$SM" restart
	check_err $? "[$DIR] fabric/sm restart failed"
	recovered "sm restart"
	check_err $? "[$DIR] no traffic both ways within $RECOVER s of the SM restart"
	wait_for "$RECOVER" sib_both_in_bcast
	(($? == 0)) || check_err 1 "[$DIR] broadcast group not rejoined by both ports after the SM restart: $(sib_groups | grep "^$BCAST_MGID")"
	log_test "SM restart: both rejoin, traffic recovers [$DIR]"
}

# ---------------------------------------------------------------- connected mode

set_mode()
{
	in_ns "$1" sh -c "echo $3 > /sys/class/net/$2/mode"
}

CM_ROWS=("connected both ends: MTU 65520"
	"connected both ends: 65000-byte DF ping, a active first then b"
	"connected both ends: iperf3 TCP and byte-exact transfer both ways"
	"mixed modes (a connected, b datagram): TCP both ways, PMTU")

cm_cases()
{
	local row rc out

	if ! has_feature connected; then
		for row in "${CM_ROWS[@]}"; do
			require_feature connected "$row [$DIR]"
		done
		return 0
	fi
	set_mode "$NS_A" "$IB_A" connected
	check_err $? "[$DIR] cannot set $IB_A ($DRV_A) to connected mode"
	set_mode "$NS_B" "$IB_B" connected
	check_err $? "[$DIR] cannot set $IB_B ($DRV_B) to connected mode"
	[ "$(ib_mtu "$NS_A" "$IB_A")" = 65520 ] && [ "$(ib_mtu "$NS_B" "$IB_B")" = 65520 ]
	(($? == 0)) || check_err 1 "[$DIR] connected MTUs: $IB_A ($DRV_A) $(ib_mtu "$NS_A" "$IB_A"), $IB_B ($DRV_B) $(ib_mtu "$NS_B" "$IB_B"), expected 65520"
	log_test "${CM_ROWS[0]} [$DIR]"

	# a's first packet opens a's connection (a active, b passive); b's
	# reply opens b's (b active, a passive).
	wait_ping "$NS_A" "$IP4_B" 10
	check_err $? "[$DIR] no IPv4 ping a->b in connected mode"
	ping_ok "$NS_A" "$IP4_B" -s 65000 -M "do"
	check_err $? "[$DIR] IPv4 ping -s 65000 -M do a->b ($DRV_A active) failed"
	ping_ok "$NS_B" "$IP4_A" -s 65000 -M "do"
	check_err $? "[$DIR] IPv4 ping -s 65000 -M do b->a ($DRV_B active) failed"
	ping_ok "$NS_A" "$IP6_B" -s 60000
	check_err $? "[$DIR] IPv6 ping -s 60000 a->b failed"
	log_test "${CM_ROWS[1]} [$DIR]"

	out=$(mktemp)
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$out" -t 2
	rc=$?
	check_err $rc "[$DIR] connected iperf3 a->b failed: $(tail -n 2 "$out")"
	log_info "[$DIR] connected iperf3 a->b: $(iperf3_rate "$out") Mbit/s"
	iperf3_run "$NS_B" "$NS_A" "$IP4_A" "$out" -t 2
	rc=$?
	check_err $rc "[$DIR] connected iperf3 b->a failed: $(tail -n 2 "$out")"
	log_info "[$DIR] connected iperf3 b->a: $(iperf3_rate "$out") Mbit/s"
	rm -f "$out"
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 8000000
	check_err $? "[$DIR] connected: 8000000 bytes a->b not received intact"
	tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 8000000
	check_err $? "[$DIR] connected: 8000000 bytes b->a not received intact"
	log_test "${CM_ROWS[2]} [$DIR]"

	# Mixed: b back to datagram.  a may reach b over RC (b still listens)
	# or be told the path MTU; either way TCP and large pings must work.
	set_mode "$NS_B" "$IB_B" datagram
	check_err $? "[$DIR] cannot set $IB_B ($DRV_B) back to datagram mode"
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" 4000000
	check_err $? "[$DIR] mixed: 4000000 bytes a (connected) -> b (datagram) not received intact"
	tcp_transfer "$NS_B" "$NS_A" "$IP4_A" 4000000
	check_err $? "[$DIR] mixed: 4000000 bytes b (datagram) -> a (connected) not received intact"
	ping_ok "$NS_A" "$IP4_B" -s 20000 || ping_ok "$NS_A" "$IP4_B" -s 20000
	check_err $? "[$DIR] mixed: IPv4 ping -s 20000 a (connected) -> b (datagram) failed (after PMTU)"
	ping_ok "$NS_B" "$IP4_A" -s $((MTU - 28)) -M "do"
	check_err $? "[$DIR] mixed: full-size DF ping b (datagram) -> a (connected) failed"
	log_info "[$DIR] mixed: a's route to b: $(ip -n "$NS_A" route get "$IP4_B" | tr '\n' ' ')"
	log_test "${CM_ROWS[3]} [$DIR]"
	set_mode "$NS_A" "$IB_A" datagram
	wait_ping "$NS_A" "$IP4_B" 10
}

# ---------------------------------------------------------------- P_Key children

PK_ROWS=("P_Key $CHILD_PKEY children: carrier"
	"P_Key $CHILD_PKEY children: IPv4 and IPv6 ping both ways")

# child_of NS PARENT: the child's name (made in the initial namespace or in
# the parent's), moved into NS; prints it.
child_of()
{
	local ns=$1 name

	name="${2:0:10}.${CHILD_PKEY#0x}"
	if ! ip -n "$ns" link show dev "$name" >/dev/null 2>&1; then
		wait_for 10 test -e "/sys/class/net/$name" || return 1
		ip link set dev "$name" netns "$ns" || return 1
	fi
	echo "$name"
}

pkey_cases()
{
	local row ca cb ka kb

	if ! has_feature pkey-child; then
		for row in "${PK_ROWS[@]}"; do
			require_feature pkey-child "$row [$DIR]"
		done
		return 0
	fi
	ka=$(sib_port_knob softib0 1 pkeys)
	kb=$(sib_port_knob softib1 1 pkeys)
	sib_write "$ka" "+$CHILD_PKEY" && sib_write "$kb" "+$CHILD_PKEY"
	check_err $? "[$DIR] cannot add P_Key $CHILD_PKEY to the ports"
	in_ns "$NS_A" sh -c "echo $CHILD_PKEY > /sys/class/net/$IB_A/create_child" &&
		in_ns "$NS_B" sh -c "echo $CHILD_PKEY > /sys/class/net/$IB_B/create_child"
	check_err $? "[$DIR] create_child $CHILD_PKEY failed"
	ca=$(child_of "$NS_A" "$IB_A") && cb=$(child_of "$NS_B" "$IB_B")
	check_err $? "[$DIR] the children of $IB_A / $IB_B did not appear"
	if [ "$RET" = 0 ]; then
		ip -n "$NS_A" addr add "$CIP4_A/24" dev "$ca" &&
			ip -n "$NS_A" -6 addr add "$CIP6_A/64" dev "$ca" nodad &&
			ip -n "$NS_A" link set dev "$ca" up &&
			ip -n "$NS_B" addr add "$CIP4_B/24" dev "$cb" &&
			ip -n "$NS_B" -6 addr add "$CIP6_B/64" dev "$cb" nodad &&
			ip -n "$NS_B" link set dev "$cb" up
		check_err $? "[$DIR] cannot address the children"
		wait_for 30 has_carrier "$NS_A" "$ca" && wait_for 30 has_carrier "$NS_B" "$cb"
		check_err $? "[$DIR] children $ca ($DRV_A) / $cb ($DRV_B) without carrier"
	fi
	log_test "${PK_ROWS[0]} [$DIR]"
	wait_ping "$NS_A" "$CIP4_B" 10 && ping_ok "$NS_B" "$CIP4_A" &&
		ping_ok "$NS_A" "$CIP6_B" && ping_ok "$NS_B" "$CIP6_A"
	check_err $? "[$DIR] no traffic between the P_Key $CHILD_PKEY children"
	log_test "${PK_ROWS[1]} [$DIR]"
	in_ns "$NS_A" sh -c "echo $CHILD_PKEY > /sys/class/net/$IB_A/delete_child"
	in_ns "$NS_B" sh -c "echo $CHILD_PKEY > /sys/class/net/$IB_B/delete_child"
	sib_write "$ka" "-$CHILD_PKEY"
	sib_write "$kb" "-$CHILD_PKEY"
}

# ---------------------------------------------------------------- main

# run_direction DRV_A DRV_B
run_direction()
{
	local n

	topo_up "$1" "$2"
	neigh_case 4
	neigh_case 6
	ping_cases
	if [ "${INTEROP_QUICK:-0}" = 1 ]; then
		topo_down
		return
	fi
	iperf_case "$NS_A" "$NS_B" "$IP4_B" "a->b ($DRV_A->$DRV_B)"
	iperf_case "$NS_B" "$NS_A" "$IP4_A" "b->a ($DRV_B->$DRV_A)"
	mq_case
	# Groups per sender, so that no membership is left over from another case.
	n=1
	[ "$DRV_A" = ref ] && n=3
	mcast_case 4 a "239.1.1.$n"
	mcast_case 4 b "239.1.1.$((n + 1))"
	mcast_case 6 a "ff15::a$n"
	mcast_case 6 b "ff15::a$((n + 1))"
	bcast_case a
	bcast_case b
	sendonly_case a "239.1.2.$n" "ff12:401b:ffff:0000:0000:0000:0f01:020$n"
	sendonly_case b "239.1.2.$((n + 1))" "ff12:401b:ffff:0000:0000:0000:0f01:020$((n + 1))"
	link_case
	sm_case
	cm_cases
	pkey_cases
	topo_down
}

# The script pairs both drivers whatever IPOIB is: one run (IPOIB=ours) is
# enough, the batch of the reference only reports why it has nothing to do.
[ "$IPOIB_ASKED" = reference ] && [ -z "${IPOIB_OURS_KO:-}" ] &&
	skip_all "interop pairs ours with the reference in every run; it runs in the IPOIB=ours batch"
load_drivers
run_direction ours ref
# Each direction already sends both ways; the swap changes which host runs
# which driver.  On a slow (debug) kernel, which hunts for bugs in our code
# rather than for wire differences, one direction is enough; the stock
# kernel runs both (INTEROP_BOTH=1 forces both).
if [ "${RIG_SLOW:-1}" -gt 1 ] && [ "${INTEROP_BOTH:-0}" != 1 ]; then
	log_info "slow kernel: ref on a, ours on b runs on the stock kernel only"
else
	run_direction ref ours
fi
