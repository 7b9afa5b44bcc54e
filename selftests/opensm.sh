#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# OpenSM manages softib's fabric (softib sm=external): the ports come up in
# INIT without LIDs; OpenSM, on softib0 port 1 through ib_umad, discovers
# the modelled switch and the HCAs with directed-route SMPs (softib's SMA,
# smp.c and switch.c), assigns LIDs, programs the switch, sets the P_Key
# tables from its partition file and brings the ports to ACTIVE; then it
# answers the SA.  Checked with infiniband-diags (ibstat, sminfo,
# ibnetdiscover, saquery, smpquery), then IPoIB pings across the fabric.
#
#   softib0 port 1 (OpenSM) --- switch port 1
#   softib1 port 1          --- switch port 2     ("softib switch")
#
# The partition file gives the IPoIB broadcast groups their MTU, and the
# interfaces (datagram mode) take theirs from it:
#
#   Default=0x7fff, ipoib, mtu=5 : ALL=full ;          -> ib0 MTU 4092
#   Second=0x0123, ipoib, mtu=4 : ALL=full ;           -> ib0.8123 MTU 2044
#
# OpenSM runs with an M_Key (protection level 2: Gets need it too) and
# sweeps only every 60 s: a link that goes down and up is noticed through
# the switch's Trap 128.  Multicast crosses the switch by its
# MulticastForwardingTable (fabric/mft overrides an entry).
#
# Run-time operations (partitions re-read on SIGHUP, an OpenSM restart, a
# handover to a second OpenSM) are in opensm_ops.sh.  OpenSM's log goes to
# $RIG_RESULTS/opensm-opensm-sm1-PID-$IPOIB.log when RIG_RESULTS is set.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"
source "$(dirname "$0")/opensm_lib.sh"

# The partitions of OpenSM's file: MTU 4096 (code 5) for the default
# partition's broadcast group, 2048 (code 4) for the second's.
PARTS='Default=0x7fff, ipoib, mtu=5 : ALL=full ;
Second=0x0123, ipoib, mtu=4 : ALL=full ;'
# OpenSM's M_Key for every port; the diagnostics pass it with -y
MKEY=0x00000000534962ee
# the sweep interval: longer than any wait for a port to come back
SWEEP=60

test_bad_param()
{
	local out

	[ -f "$MODDIR/softib.ko" ] || skip_all "softib.ko is not built ($MODDIR)"
	modprobe -a ib_core ib_cm ib_umad || fail_all "modprobe ib_core ib_cm ib_umad failed" "load softib"
	if lsmod_has softib; then
		rmmod softib || fail_all "softib already loaded and busy" "load softib"
	fi
	if out=$(insmod "$MODDIR/softib.ko" sm=bogus 2>&1); then
		rmmod softib
		check_err 1 "insmod softib.ko sm=bogus succeeded"
	fi
	echo "$out" | grep -Eq 'Invalid (argument|parameters)' &&
		dmesg | tail -n 20 | grep -q "bogus' invalid for parameter \`sm'"
	(($? == 0)) || check_err 1 "insmod sm=bogus: '$out', not EINVAL ($(dmesg | tail -n 2 | tr '\n' ' '))"
	log_test "sm=bogus is refused with EINVAL"
}

test_before_sm()
{
	local v

	v=$(cat /sys/module/softib/parameters/sm 2>&1)
	[ "$v" = external ]
	check_err $? "parameters/sm reads '$v'"
	v=$(port_attr softib1 1 state)
	[[ $v == *INIT* ]]
	check_err $? "softib1 port 1 is '$v' before any SM, not INIT"
	v=$(port_lid softib1 1)
	[ "$v" = 0 ]
	check_err $? "softib1 port 1 has LID $v before any SM"
	v=$(port_attr softib0 1 phys_state)
	[[ $v == *LinkUp* ]]
	check_err $? "softib0 port 1 physical state '$v', not LinkUp"
	log_test "sm=external: ports wait in INIT without LIDs"
}

test_sweep()
{
	wait_for 120 all_up
	(($? == 0)) || check_err 1 "ports not ACTIVE with LIDs: softib0 $(port_attr softib0 1 state) lid $(port_attr softib0 1 lid), softib1 $(port_attr softib1 1 state) lid $(port_attr softib1 1 lid); opensm: $(osm_tail sm1)"
	log_test "opensm brings both ports to ACTIVE with LIDs"
}

test_ibstat()
{
	local out sm lid0

	lid0=$(port_lid softib0 1)
	out=$(ibstat softib0 1 2>&1)
	check_err $? "ibstat failed: $out"
	echo "$out" | grep -q 'State: Active' &&
		echo "$out" | grep -q 'Physical state: LinkUp' &&
		echo "$out" | grep -q "Base lid: $lid0\$"
	check_err $? "ibstat softib0 1: $out"
	sm=$(port_attr softib1 1 sm_lid)
	[ "$((sm))" = "$lid0" ]
	check_err $? "softib1 port 1 SM LID is $sm, not opensm's port $lid0"
	log_test "ibstat: Active, LinkUp, LIDs and SM LID set by opensm"
}

# With an M_Key at protection level 2 OpenSM answers an SMInfo Get only
# when it carries the M_Key of OpenSM's own port.
test_sminfo()
{
	local out lid0

	lid0=$(port_lid softib0 1)
	out=$(timeout 20 sminfo -C softib1 -P 1 -y "$MKEY" 2>&1)
	check_err $? "sminfo failed: $out"
	echo "$out" | grep -Eq "sm lid $lid0 .*SMINFO_MASTER"
	check_err $? "sminfo from softib1: $out"
	log_test "sminfo: opensm is master at LID $lid0"
}

test_ibnetdiscover()
{
	local out

	out=$(timeout 60 ibnetdiscover -C softib0 -P 1 -y "$MKEY" 2>&1)
	check_err $? "ibnetdiscover failed: $out"
	echo "$out" | grep -q '^Switch.*"softib switch"' &&
		echo "$out" | grep -q '^Ca.*"softib HCA 0"' &&
		echo "$out" | grep -q '^Ca.*"softib HCA 1"'
	check_err $? "topology lacks the switch or an HCA: $out"
	[ "$(echo "$out" | grep -c '^\[[12]\].*"softib HCA [01]"')" = 2 ]
	check_err $? "switch ports 1 and 2 do not link to the HCAs: $out"
	log_test "ibnetdiscover: one switch, two HCAs on its ports 1 and 2"
}

test_smpquery()
{
	local out lid1

	lid1=$(port_lid softib1 1)
	out=$(timeout 20 smpquery -C softib0 -P 1 -y "$MKEY" nodedesc "$lid1" 2>&1)
	check_err $? "smpquery nodedesc failed: $out"
	echo "$out" | grep -q 'softib HCA 1'
	check_err $? "LID-routed NodeDescription of LID $lid1: $out"
	out=$(timeout 20 smpquery -C softib0 -P 1 -y "$MKEY" portinfo "$lid1" 2>&1)
	echo "$out" | grep -Eq '^LinkState:\.*Active' &&
		echo "$out" | grep -Eq "^Lid:\.*$lid1\$"
	check_err $? "LID-routed PortInfo of LID $lid1: $out"
	out=$(timeout 20 smpquery -C softib0 -P 1 -y "$MKEY" -D nodeinfo 0,1 2>&1)
	echo "$out" | grep -Eq '^NodeType:\.*Switch' &&
		echo "$out" | grep -Eq '^NumPorts:\.*2$'
	check_err $? "directed-route NodeInfo of the switch: $out"
	out=$(timeout 20 smpquery -C softib0 -P 1 -y "$MKEY" -D switchinfo 0,1 2>&1)
	echo "$out" | grep -Eq '^LinearFdbTop:\.*[1-9]'
	check_err $? "SwitchInfo: opensm did not set LinearFDBTop: $out"
	log_test "smpquery: NodeDescription, PortInfo, NodeInfo, SwitchInfo"
}

test_pkeys()
{
	local v

	v=$(port_attr softib1 1 pkeys/0)
	[ "$v" = 0xffff ]
	check_err $? "softib1 P_Key 0 is '$v'"
	grep -qs 0x8123 "$SYS"/softib1/ports/1/pkeys/*
	(($? == 0)) || check_err 1 "opensm's partition 0x0123 is not in softib1's P_Key table: $(cat "$SYS"/softib1/ports/1/pkeys/* | tr '\n' ' ')"
	log_test "P_KeyTable Set: the partitions of opensm's file"
}

test_saquery()
{
	local out lid0 lid1

	lid0=$(port_lid softib0 1)
	lid1=$(port_lid softib1 1)
	out=$(timeout 20 saquery -C softib1 -P 1 NR 2>&1)
	check_err $? "saquery NodeRecord failed: $out"
	echo "$out" | grep -q 'softib switch' && echo "$out" | grep -q 'softib HCA 0'
	check_err $? "NodeRecords lack the switch or HCA 0: $out"
	out=$(timeout 20 saquery -C softib1 -P 1 --src-to-dst "$lid1:$lid0" -p 2>&1)
	check_err $? "saquery PathRecord failed: $out"
	echo "$out" | grep -Eq "dlid\.*$lid0\$"
	check_err $? "PathRecord $lid1 -> $lid0: $out"
	log_test "saquery: opensm's SA answers NodeRecord and PathRecord"
}

# The second partition of opensm's file (0x0123, ipoib, mtu=4, full
# members) as IPoIB children use it: joins of its broadcast group answered
# by opensm's SA, then a ping; the children's MTU is that group's, 2044.
test_pkey_child()
{
	local ca cb

	ca=$(pkey_child "$NS_A" "$IB_A" 8123 198.51.100.1)
	check_err $? "cannot create the P_Key 0x8123 child of $IB_A"
	cb=$(pkey_child "$NS_B" "$IB_B" 8123 198.51.100.2)
	check_err $? "cannot create the P_Key 0x8123 child of $IB_B"
	if [ "$RET" = 0 ]; then
		wait_for 30 has_carrier "$NS_A" "$ca" &&
			wait_for 30 has_carrier "$NS_B" "$cb"
		check_err $? "children without carrier (no broadcast join in partition 0x0123)"
		wait_ping "$NS_A" 198.51.100.2 30
		check_err $? "no ping over the P_Key 0x8123 children"
	fi
	log_test "P_Key 0x8123 children in opensm's second partition: ping"

	[ -n "$ca" ] && mtu_is "$NS_A" "$ca" 2044 && mtu_is "$NS_B" "$cb" 2044
	(($? == 0)) || check_err 1 "children's MTUs are $(ib_mtu "$NS_A" "$ca")/$(ib_mtu "$NS_B" "$cb"), not 2044 (partition mtu=4)"
	ping_df_once "$NS_A" 198.51.100.2 2044
	check_err $? "no 2044-byte ping with DF over the children"
	log_test "partition mtu=4: the P_Key children's MTU is 2044"
}

# The switch's forwarding tables as opensm programmed them: each HCA LID
# out of the switch port that links to it, the broadcast group's MLID out
# of both.
test_routes()
{
	local out lid0 lid1

	lid0=$(port_lid softib0 1)
	lid1=$(port_lid softib1 1)
	out=$(timeout 30 ibroute -C softib0 -P 1 -y "$MKEY" -D 0,1 2>&1)
	check_err $? "ibroute failed: $out"
	echo "$out" | grep -q "^$(printf '0x%04x' "$lid0") 001 " &&
		echo "$out" | grep -q "^$(printf '0x%04x' "$lid1") 002 "
	check_err $? "LinearForwardingTable: LID $lid0 not to port 1 or $lid1 not to port 2: $out"
	out=$(timeout 30 ibroute -M -C softib0 -P 1 -y "$MKEY" -D 0,1 2>&1)
	check_err $? "ibroute -M failed: $out"
	echo "$out" | grep -Eq '^0xc0[0-9a-f]{2} +x +x '
	check_err $? "MulticastForwardingTable: no MLID out of ports 1 and 2: $out"
	log_test "switch forwarding tables (ibroute): LFT and MFT as opensm set them"
}

# Unicast crosses the switch by its LinearForwardingTable: with softib1's
# LID sent out of the wrong port (fabric/lft, as a bad SM would set it),
# the echo requests are dropped at the switch and counted (drop_no_route
# of the sender); the entry opensm set brings ping back.
test_lft_route()
{
	local lft=$SIB_DBG/fabric/lft lid1 n0 n1

	lid1=$(port_lid softib1 1)
	grep -qx "$lid1 2" "$lft"
	(($? == 0)) || check_err 1 "fabric/lft does not send LID $lid1 to port 2: $(oneline "$lft")"
	n0=$(sib_counter softib0 1 drop_no_route)
	sib_write "$lft" "$lid1 1"
	check_err $? "cannot write fabric/lft"
	ping_once "$NS_A" "$IP4_B"
	check_fail $? "ping went through with LID $lid1 routed out of port 1"
	n1=$(sib_counter softib0 1 drop_no_route)
	[ "$n1" -gt "${n0:-0}" ] 2>/dev/null
	check_err $? "drop_no_route of softib0 went from '$n0' to '$n1'"
	sib_write "$lft" "$lid1 2"
	wait_ping "$NS_A" "$IP4_B" 30
	check_err $? "no ping once LID $lid1 goes to port 2 again"
	log_test "unicast follows the switch's LFT: a misrouted LID is dropped and counted"
}

# An HCA link goes down and comes back: INIT again; the switch tells
# opensm with Trap 128 each time, opensm represses the trap and sweeps at
# once (its periodic sweep is $SWEEP s away), and the port is ACTIVE again
# within seconds.
test_relink()
{
	local knob n

	knob=$(sib_port_knob softib1 1 link)
	sib_write "$knob" down
	check_err $? "cannot take softib1 port 1 down"
	wait_for 10 port_down softib1
	(($? == 0)) || check_err 1 "softib1 port 1 is $(port_attr softib1 1 state) after link down"
	wait_for 10 osm_log_has sm1 "num:128"
	(($? == 0)) || check_err 1 "opensm received no Trap 128 for the link going down: $(osm_tail sm1)"
	sib_write "$knob" up
	check_err $? "cannot bring softib1 port 1 up"
	wait_for 15 port_up softib1
	(($? == 0)) || check_err 1 "softib1 port 1 is $(port_attr softib1 1 state) 15 s after link up (sweep every $SWEEP s: no trap-driven sweep?)"
	wait_ping "$NS_A" "$IP4_B" 30
	check_err $? "no ping from $IP4_A to $IP4_B after the link came back"
	# one trap per change, each repressed (unrepressed: resent every second)
	n=$(grep -c "num:128" "${OSM_DIR[sm1]}/opensm.log")
	[ "$n" -ge 2 ] && [ "$n" -le 4 ]
	check_err $? "opensm logged $n Trap 128s for two link changes, not 2 (repressed)"
	log_test "link down/up: Trap 128, opensm sweeps at once and reactivates the port, ping again"
}

# M_Key (IBA 14.2.4) as opensm set it: protection level 2 and its key in
# every port.  A Get without the key or with a wrong one is dropped
# unanswered and counted; with the key it is answered and shows the key.
# At level 1 (set with ibportstate and the key) a Get without the key is
# answered with M_Key 0 and a Set with a wrong key is dropped.
test_mkey()
{
	local lid1 out n0 n1 pi=(smpquery -C softib0 -P 1 -K)

	# (the queries meant to go unanswered wait 100 ms per try)
	lid1=$(port_lid softib1 1)
	n0=$(sib_counter softib1 1 drop_mkey)
	out=$(timeout 20 "${pi[@]}" -t 100 portinfo "$lid1" 2>&1)
	check_fail $? "PortInfo Get without the M_Key answered at level 2: $out"
	out=$(timeout 20 "${pi[@]}" -t 100 -y 0x1 nodeinfo "$lid1" 2>&1)
	check_fail $? "NodeInfo Get with a wrong M_Key answered: $out"
	n1=$(sib_counter softib1 1 drop_mkey)
	[ "$n1" -gt "${n0:-0}" ] 2>/dev/null
	check_err $? "drop_mkey of softib1 went from '$n0' to '$n1'"
	out=$(timeout 20 "${pi[@]}" -y "$MKEY" portinfo "$lid1" 2>&1)
	check_err $? "PortInfo Get with the M_Key failed: $out"
	echo "$out" | grep -Eq "^Mkey:\.*$MKEY\$" &&
		echo "$out" | grep -Eq '^ProtectBits:\.*2$' &&
		echo "$out" | grep -Eq '^MkeyViolations:\.*[1-9]'
	check_err $? "PortInfo lacks opensm's M_Key, level 2 or the violations: $out"
	log_test "M_Key level 2 (opensm): Gets without the key dropped and counted, with it answered"

	out=$(timeout 20 ibportstate -C softib0 -P 1 -y "$MKEY" "$lid1" 1 mkeyprot 1 2>&1)
	check_err $? "Set of protection level 1 with the M_Key failed: $out"
	out=$(timeout 20 "${pi[@]}" portinfo "$lid1" 2>&1)
	check_err $? "PortInfo Get without the M_Key not answered at level 1: $out"
	echo "$out" | grep -Eq '^Mkey:\.*0x0+$' &&
		echo "$out" | grep -Eq '^ProtectBits:\.*1$'
	check_err $? "level 1 answer without the key: M_Key not hidden or level not 1: $out"
	n0=$(sib_counter softib1 1 drop_mkey)
	out=$(timeout 20 ibportstate -C softib0 -P 1 -t 100 -y 0x1 "$lid1" 1 mkeyprot 0 2>&1)
	check_fail $? "Set with a wrong M_Key answered: $out"
	n1=$(sib_counter softib1 1 drop_mkey)
	[ "$n1" -gt "${n0:-0}" ] 2>/dev/null
	check_err $? "drop_mkey of softib1 went from '$n0' to '$n1' for the Set"
	out=$(timeout 20 ibportstate -C softib0 -P 1 -y "$MKEY" "$lid1" 1 mkeyprot 2 2>&1)
	check_err $? "Set of level 2 again with the M_Key failed: $out"
	log_test "M_Key level 1: Gets without the key answered with M_Key 0, a Set with a wrong key dropped"

	# M_KeyLeasePeriod 1 s: a violation starts the lease; once it ran
	# out with no SMP carrying the key, the protection bits are 0 and a
	# Get without the key is answered
	out=$(timeout 20 ibportstate -C softib0 -P 1 -y "$MKEY" "$lid1" 1 mkeylease 1 2>&1)
	check_err $? "Set of M_KeyLeasePeriod 1 with the M_Key failed: $out"
	timeout 20 "${pi[@]}" -t 100 portinfo "$lid1" >/dev/null 2>&1
	check_fail $? "PortInfo Get without the M_Key answered before the lease ran out"
	wait_for 10 lease_over "$lid1"
	(($? == 0)) || check_err 1 "no answer without the M_Key 10 s after a violation with a 1 s lease: $("${pi[@]}" -y "$MKEY" portinfo "$lid1" 2>&1 | grep -E '^(ProtectBits|MkeyLeasePeriod)' | tr '\n' ' ')"
	out=$(timeout 20 ibportstate -C softib0 -P 1 -y "$MKEY" "$lid1" 1 mkeyprot 2 2>&1) &&
		out=$(timeout 20 ibportstate -C softib0 -P 1 -y "$MKEY" "$lid1" 1 mkeylease 0 2>&1)
	check_err $? "Set of level 2 and lease 0 with the M_Key failed: $out"
	log_test "M_KeyLeasePeriod: the lease runs out after a violation, protection falls to 0"
}

# lease_over LID: PortInfo of LID answered without an M_Key, ProtectBits 0.
lease_over()
{
	smpquery -C softib0 -P 1 -t 200 portinfo "$1" 2>/dev/null |
		grep -Eq '^ProtectBits:\.*0$'
}

# flush_neigh: both sides forget their IPv4 neighbours, so the next ping
# starts with an ARP request to the broadcast group (and no unicast
# probe of the peer re-creates the entry).
flush_neigh()
{
	ip -n "$NS_A" neigh flush dev "$IB_A"
	ip -n "$NS_B" neigh flush dev "$IB_B"
}

# Multicast crosses the switch by its MulticastForwardingTable as opensm
# programmed it from the joins (run before more interfaces join: each
# join makes opensm write the table again): the broadcast group's MLID goes out of
# ports 1 and 2, and ARP resolves.  With port 2 taken out of the entry
# (fabric/mft, as a bad SM would leave it) softib1 gets no ARP request:
# the copy is dropped at the switch (drop_no_mroute of the sender) and a
# fresh resolution fails although softib1's QP is attached; the entry
# put back, it resolves again.
test_mft()
{
	local mft=$SIB_DBG/fabric/mft mlid line n0 n1

	mlid=$(bcast_mlid softib1)
	line=$(grep "^${mlid:-none} " "$mft")
	[ -n "$mlid" ] && [ "$line" = "$mlid 1 2" ]
	(($? == 0)) || check_err 1 "broadcast MLID '$mlid': MFT entry '$line', not ports 1 and 2: $(tr '\n' ';' <"$mft")"
	flush_neigh
	wait_ping "$NS_A" "$IP4_B" 30
	check_err $? "no ping after a fresh ARP resolution"
	log_test "MFT (opensm): the broadcast MLID out of both ports, ARP resolves"

	n0=$(sib_counter softib0 1 drop_no_mroute)
	sib_write "$mft" "$mlid 1"
	check_err $? "cannot write fabric/mft"
	flush_neigh
	ping_once "$NS_A" "$IP4_B"
	(($? != 0)) || check_fail 0 "ping with a fresh ARP went through without port 2 in the broadcast MLID (entry now '$(grep "^$mlid " "$mft")', drop_no_mroute $n0 -> $(sib_counter softib0 1 drop_no_mroute))"
	n1=$(sib_counter softib0 1 drop_no_mroute)
	[ "$n1" -gt "${n0:-0}" ] 2>/dev/null
	check_err $? "drop_no_mroute of softib0 went from '$n0' to '$n1'"
	sib_write "$mft" "$line"
	flush_neigh
	wait_ping "$NS_A" "$IP4_B" 30
	check_err $? "no ping once port 2 is back in the broadcast MLID"
	log_test "a port left out of the MFT gets no broadcast (drop_no_mroute), put back: ARP resolves"
}

test_ipoib()
{
	local v

	ib_pair_setup
	wait_ping "$NS_A" "$IP4_B" 30
	check_err $? "no ping from $IP4_A to $IP4_B"
	wait_ping "$NS_B" "$IP6_A" 30
	check_err $? "no ping from $IP6_B to $IP6_A"
	# opensm's SA answered the joins and paths, not the embedded one
	v=$(sib_sa_counter join_requests)$(sib_sa_counter path_requests)
	[ "$v" = 00 ]
	(($? == 0)) || check_err 1 "the embedded SA counted requests: $(oneline "$(sib_sa_path)")"
	log_test "IPoIB ($IPOIB) ping over the opensm-managed fabric"
}

# The default partition's broadcast group is 4096 bytes (mtu=5 in the
# file; opensm's default would be 2048): datagram-mode interfaces take
# 4092 from it, and a 4092-byte packet with DF goes through.
test_bcast_mtu()
{
	mode_is "$NS_A" "$IB_A" datagram && mode_is "$NS_B" "$IB_B" datagram
	(($? == 0)) || check_err 1 "not in datagram mode: $(ns_cat "$NS_A" "/sys/class/net/$IB_A/mode")"
	mtu_is "$NS_A" "$IB_A" 4092 && mtu_is "$NS_B" "$IB_B" 4092
	(($? == 0)) || check_err 1 "MTUs are $(ib_mtu "$NS_A" "$IB_A")/$(ib_mtu "$NS_B" "$IB_B"), not 4092 (partition mtu=5)"
	ping_df_once "$NS_A" "$IP4_B" 4092
	check_err $? "no 4092-byte ping with DF"
	log_test "partition mtu=5: datagram IPoIB MTU 4092"
}

command -v opensm >/dev/null ||
	skip_all "opensm is not installed (scripts/deps.sh installs it)"
for t in ibstat sminfo ibnetdiscover saquery smpquery; do
	command -v "$t" >/dev/null ||
		skip_all "$t (infiniband-diags) is not installed"
done
test_bad_param
load_softib sm=external
test_before_sm
OSM_CONF=$(mktemp /tmp/opensm-conf.XXXXXX) || fail_all "mktemp failed" "start opensm"
defer rm -f "$OSM_CONF"
printf 'm_key %s\nm_key_protection_level 2\nm_key_lease_period 0\n' "$MKEY" >"$OSM_CONF"
osm_start sm1 softib0 "$PARTS" -F "$OSM_CONF" -s "$SWEEP" ||
	fail_all "cannot start opensm" "start opensm"
test_sweep
all_up || fail_all "the fabric did not come up" "opensm sweep"
test_ibstat
test_sminfo
test_ibnetdiscover
test_smpquery
test_pkeys
test_saquery
test_ipoib
test_bcast_mtu
test_mft
test_pkey_child
test_routes
test_mkey
test_lft_route
test_relink
