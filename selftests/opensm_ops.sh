#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# OpenSM operations on softib's fabric (softib sm=external, see opensm.sh
# for the fabric): what an administrator does to a running subnet, and
# how the IPoIB interfaces follow.
#
#   - The partition file's broadcast-group MTU: the default partition with
#     mtu=4 (2048) gives datagram-mode interfaces an MTU of 2044
#     (opensm.sh checks mtu=5, 4092).
#   - A partition added to the file and OpenSM told to read it again
#     (SIGHUP: a heavy sweep) puts its P_Key into the ports' tables
#     (P_KeyTable Set, PKEY_CHANGE); P_Key children created before, without
#     carrier until then, join its broadcast group and ping.  Taken out of
#     the file again (SIGHUP), the P_Key leaves the tables and the children
#     lose carrier.
#   - OpenSM restarted: the new instance's first sweep as master sets
#     ClientReregister, the IPoIB ports join its (empty) SA's broadcast
#     group again, ping goes on.
#   - Handover: a second OpenSM with priority 15 on softib1 port 1; the
#     first (priority 0) hands the subnet over to it: SM LID of every port
#     moves, sminfo shows it master and the first standby; the ports
#     join the new master's broadcast group, ping goes on.
#
#   softib0 port 1 (OpenSM sm1) --- switch port 1
#   softib1 port 1 (OpenSM sm2) --- switch port 2     ("softib switch")
#
# Logs: $RIG_RESULTS/opensm-opensm_ops-NAME-PID-$IPOIB.log per instance.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"
source "$(dirname "$0")/opensm_lib.sh"

PARTS='Default=0x7fff, ipoib, mtu=4 : ALL=full ;'
# the partition added and removed at run time
EXTRA='Third=0x0045, ipoib : ALL=full ;'
CH_A=
CH_B=

test_mtu4()
{
	mode_is "$NS_A" "$IB_A" datagram && mode_is "$NS_B" "$IB_B" datagram
	(($? == 0)) || check_err 1 "not in datagram mode: $(ns_cat "$NS_A" "/sys/class/net/$IB_A/mode")"
	mtu_is "$NS_A" "$IB_A" 2044 && mtu_is "$NS_B" "$IB_B" 2044
	(($? == 0)) || check_err 1 "MTUs are $(ib_mtu "$NS_A" "$IB_A")/$(ib_mtu "$NS_B" "$IB_B"), not 2044 (partition mtu=4)"
	ping_df_once "$NS_A" "$IP4_B" 2044
	check_err $? "no 2044-byte ping with DF"
	ping_df_once "$NS_A" "$IP4_B" 2045
	check_fail $? "a 2045-byte packet went out with DF at MTU 2044"
	log_test "partition mtu=4 on 4096-byte ports: datagram IPoIB MTU 2044"
}

# children_without_carrier: neither 0x8045 child has carrier.
children_without_carrier()
{
	no_carrier "$NS_A" "$CH_A" && no_carrier "$NS_B" "$CH_B"
}

pkey_in_both()
{
	has_pkey softib0 0x8045 && has_pkey softib1 0x8045
}

pkey_in_neither()
{
	! has_pkey softib0 0x8045 && ! has_pkey softib1 0x8045
}

# Partition 0x0045 added to the file, opensm told with SIGHUP.
test_prtn_add()
{
	CH_A=$(pkey_child "$NS_A" "$IB_A" 8045 203.0.113.1) &&
		CH_B=$(pkey_child "$NS_B" "$IB_B" 8045 203.0.113.2) ||
		fail_all "cannot create the P_Key 0x8045 children" "P_Key children"
	pkey_in_neither && children_without_carrier
	check_err $? "before the partition exists: P_Key 0x8045 in a table or a child with carrier"
	osm_partitions sm1 "$PARTS
$EXTRA"
	check_err $? "cannot rewrite the partition file or signal opensm"
	wait_for 30 pkey_in_both
	(($? == 0)) || check_err 1 "P_Key 0x8045 not in both tables after SIGHUP: softib1 has $(cat "$SYS"/softib1/ports/1/pkeys/* | sort -u | tr '\n' ' '); opensm: $(osm_tail sm1)"
	wait_for 30 has_carrier "$NS_A" "$CH_A" && wait_for 30 has_carrier "$NS_B" "$CH_B"
	check_err $? "the 0x8045 children did not get carrier"
	wait_ping "$NS_A" 203.0.113.2 30
	check_err $? "no ping over the 0x8045 children"
	log_test "partition added, SIGHUP: P_Key 0x8045 in the tables, its children ping"
}

# ... and taken out of the file again.
test_prtn_remove()
{
	osm_partitions sm1 "$PARTS"
	check_err $? "cannot rewrite the partition file or signal opensm"
	wait_for 30 pkey_in_neither
	(($? == 0)) || check_err 1 "P_Key 0x8045 still in a table after SIGHUP: softib1 has $(cat "$SYS"/softib1/ports/1/pkeys/* | sort -u | tr '\n' ' ')"
	wait_for 30 children_without_carrier
	check_err $? "a 0x8045 child kept carrier without its P_Key"
	ping_once "$NS_A" 203.0.113.2
	check_fail $? "ping over the 0x8045 children still works"
	ping_once "$NS_A" "$IP4_B"
	check_err $? "no ping over the parents"
	log_test "partition removed, SIGHUP: P_Key 0x8045 gone, its children lose carrier"
}

# OpenSM stopped and started again: the new instance has an SA without
# members; ClientReregister in its first sweep makes the ports join again.
test_restart()
{
	local lid0

	lid0=$(port_lid softib0 1)
	osm_stop sm1
	osm_start sm1 softib0 "$PARTS"
	check_err $? "cannot start opensm again"
	wait_for 60 osm_log_has sm1 "SUBNET UP"
	(($? == 0)) || check_err 1 "the new opensm did not bring the subnet up: $(osm_tail sm1)"
	all_up && sm_lid_is softib1 "$lid0"
	check_err $? "ports not ACTIVE or SM LID not $lid0 after the restart"
	wait_for 30 bcast_members_are softib1 2
	(($? == 0)) || check_err 1 "the new SA has $(bcast_members softib1) broadcast members, not 2: no rejoin"
	wait_ping "$NS_A" "$IP4_B" 30
	check_err $? "no ping after the restart"
	log_test "opensm restarted: the ports rejoin the new SA's broadcast group, ping"
}

# A second OpenSM with a higher priority takes over.
test_handover()
{
	local lid0 lid1 out

	lid0=$(port_lid softib0 1)
	lid1=$(port_lid softib1 1)
	osm_start sm2 softib1 "$PARTS" -p 15
	check_err $? "cannot start the second opensm"
	wait_for 90 sm_lid_is softib0 "$lid1" && wait_for 10 sm_lid_is softib1 "$lid1"
	(($? == 0)) || check_err 1 "SM LID is $(port_attr softib0 1 sm_lid)/$(port_attr softib1 1 sm_lid), not $lid1 (sm2); sm1: $(osm_tail sm1) sm2: $(osm_tail sm2)"
	out=$(timeout 20 sminfo -C softib0 -P 1 2>&1)
	echo "$out" | grep -Eq "sm lid $lid1 .*priority 15 .*SMINFO_MASTER"
	check_err $? "sminfo: $out"
	out=$(timeout 20 sminfo -C softib0 -P 1 "$lid0" 2>&1)
	echo "$out" | grep -Eq "sm lid $lid0 .*SMINFO_STANDBY"
	check_err $? "sminfo of the first opensm: $out"
	log_test "handover: opensm -p 15 on softib1 is master, the first standby"

	wait_for 30 bcast_members_are softib0 2
	(($? == 0)) || check_err 1 "the new master's SA has $(bcast_members softib0) broadcast members, not 2"
	wait_ping "$NS_A" "$IP4_B" 30 && wait_ping "$NS_B" "$IP6_A" 30
	check_err $? "no ping after the handover"
	log_test "after the handover: the ports in the new master's group, ping"
}

command -v opensm >/dev/null ||
	skip_all "opensm is not installed (scripts/deps.sh installs it)"
require_cmd sminfo saquery
load_softib sm=external
osm_start sm1 softib0 "$PARTS" || fail_all "cannot start opensm" "start opensm"
wait_for 120 all_up ||
	fail_all "the fabric did not come up: $(osm_tail sm1)" "opensm sweep"
ib_pair_setup
test_mtu4
test_prtn_add
test_prtn_remove
test_restart
test_handover
