#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv4 and IPv6 multicast over IPoIB: a listener that joined the group
# receives, a listener on a port that did not join receives nothing, and
# the SA (softib fabric/groups) shows the memberships come and go.
#
#   ns a (sender)            ns b (subscribed)         ns c (not subscribed)
#   $IB_A 192.0.2.1          $IB_B 192.0.2.2           $IB_C 192.0.2.3
#   2001:db8::1              2001:db8::2               2001:db8::3
#   socat -> 239.1.1.1,ff15::1234       socat UDP-RECV +join      socat UDP-RECV
#        | softib0 port 1         | softib1 port 1          | softib2 port 1
#        +=================== softib fabric =================+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd socat ss

NS_C=c
IP4_C=192.0.2.3
IP6_C=2001:db8::3
GRP4=239.1.1.1
GRP6=ff15::1234
# RFC 4391 mapping with the default P_Key: IPv4 keeps the low 28 bits of
# the group, IPv6 its last 10 bytes; the scope nibble (2) is the broadcast's.
# (ff15::1 would map onto the all-nodes group ff02::1 every port joins.)
MGID4=ff12:401b:ffff:0000:0000:0000:0f01:0101
MGID6=ff12:601b:ffff:0000:0000:0000:0000:1234
UPORT=5000

setup_c()
{
	setup_ns "$NS_C" || fail_all "cannot create ns $NS_C" "topology"
	IB_C=$(ib_port_to_ns softib2 1 "$NS_C" "$IP4_C" "$IP6_C") ||
		fail_all "no IPoIB device for softib2 port 1" "topology"
	wait_for 30 has_carrier "$NS_C" "$IB_C" || fail_all "$IB_C has no carrier" "topology"
	# IPv4 multicast needs a route out of the sender's namespace.
	ip -n "$NS_A" route add 224.0.0.0/4 dev "$IB_A"
}

# send_until NS FAMILY GROUP FILE TIMEOUT: send numbered datagrams every
# 0.2 s until FILE (the subscriber's output) is non-empty.
send_until()
{
	local ns=$1 fam=$2 grp=$3 file=$4 timeout=$5 i=0
	local deadline=$((SECONDS + timeout * RIG_SLOW))

	while [ "$SECONDS" -lt "$deadline" ]; do
		i=$((i + 1))
		if [ "$fam" = 6 ]; then
			echo "mcast6 $i" | in_ns "$ns" socat -u - "UDP6-DATAGRAM:[$grp]:$UPORT"
		else
			echo "mcast4 $i" | in_ns "$ns" socat -u - "UDP4-DATAGRAM:$grp:$UPORT,ip-multicast-if=$IP4_A"
		fi
		[ -s "$file" ] && return 0
		sleep 0.2
	done
	return 1
}

# rx_packets NS DEV
rx_packets()
{
	in_ns "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# run_case FAMILY GROUP MGID SUB_OPT: one multicast scenario.
run_case()
{
	local fam=$1 grp=$2 mgid=$3 subopt=$4 sub nosub pid_b pid_c rx0 rx1 sent
	local gid_b

	gid_b=$(sib_gid softib1 1)
	sub=$(mktemp) nosub=$(mktemp)
	defer rm -f "$sub" "$nosub"

	bg_start "$NS_B" "$sub" socat -u "UDP$fam-RECV:$UPORT,reuseaddr,$subopt" -
	pid_b=$BG_PID
	bg_start "$NS_C" "$nosub" socat -u "UDP$fam-RECV:$UPORT,reuseaddr" -
	pid_c=$BG_PID
	wait_for 10 listening "$NS_B" "$UPORT" udp && wait_for 10 listening "$NS_C" "$UPORT" udp
	check_err $? "listeners did not start"

	rx0=$(rx_packets "$NS_C" "$IB_C")
	send_until "$NS_A" "$fam" "$grp" "$sub" 20
	check_err $? "subscribed listener in $NS_B received nothing for $grp within 20 s"
	# A few more after the first one arrived: all must reach b, none c.
	for sent in 1 2 3 4 5; do
		echo "extra $sent" | if [ "$fam" = 6 ]; then
			in_ns "$NS_A" socat -u - "UDP6-DATAGRAM:[$grp]:$UPORT"
		else
			in_ns "$NS_A" socat -u - "UDP4-DATAGRAM:$grp:$UPORT,ip-multicast-if=$IP4_A"
		fi
	done
	wait_for 5 grep -q "extra 5" "$sub"
	check_err $? "the datagrams sent after the join did not all arrive in $NS_B"
	log_test "IPv$fam multicast $grp: subscribed listener receives"

	rx1=$(rx_packets "$NS_C" "$IB_C")
	[ ! -s "$nosub" ]
	(($? == 0)) || check_err 1 "unsubscribed listener in $NS_C received: $(head -c 100 "$nosub")"
	# Nothing for the group reached c's interface either (only stray
	# IPv6 neighbour/MLD traffic may have: allow a couple of packets).
	[ $((rx1 - rx0)) -lt 5 ]
	(($? == 0)) || check_err 1 "$IB_C received $((rx1 - rx0)) packets while $grp was sent"
	log_test "IPv$fam multicast $grp: unsubscribed listener receives nothing"

	if [ -r "$SIB_DBG/fabric/groups" ]; then
		sib_group_has_member "$mgid" "$gid_b" 1
		(($? == 0)) || check_err 1 "SA has no full membership of $(sib_gid softib1 1) in $mgid: $(sib_groups | grep "^$mgid" || echo 'no group')"
		bg_stop "$pid_b"
		wait_for 10 bash -c "! { cat $SIB_DBG/fabric/groups | grep '^$mgid ' | grep -q ' $gid_b/'; }"
		check_err $? "$NS_B still a member of $mgid after its listener left"
		log_test "IPv$fam multicast $grp: SA membership follows the subscription"
	else
		log_test_skip "IPv$fam multicast $grp: SA membership" "softib has no fabric/groups"
	fi
	bg_stop "$pid_b"
	bg_stop "$pid_c"
}

IB_CARRIER_TIMEOUT=30 ib_pair_setup devices=3
setup_c
run_case 4 "$GRP4" "$MGID4" "ip-add-membership=$GRP4:$IP4_B"
run_case 6 "$GRP6" "$MGID6" "ipv6-join-group=[$GRP6]:$IB_B"
