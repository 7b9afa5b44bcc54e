#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# softib's embedded SA: the in-kernel self-test (fabric/sa_selftest runs
# sib_sa_selftest(): requests built as ib_sa builds them, every response
# field IPoIB uses checked), then the live SA as IPoIB drives it: the
# pre-created broadcast group (MLID 0xc000, Q_Key 0x0b1b) with both ports as
# full members, PathRecord and MCMemberRecord requests counted.
#
#   ns a                                      ns b
#   $IB_A 192.0.2.1                           $IB_B 192.0.2.2
#        | softib0 port 1                          | softib1 port 1
#        +====== softib fabric + SM/SA (fabric/groups, fabric/sa_selftest)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

BCAST=ff12:401b:ffff:0000:0000:0000:ffff:ffff

test_selftest()
{
	local knob=$SIB_DBG/fabric/sa_selftest out

	out=$(cat "$knob" 2>&1)
	[ "$out" = pass ]
	(($? == 0)) || check_err 1 "sa_selftest says: $out ($(dmesg | grep 'sa selftest' | tail -n 3 | tr '\n' ' '))"
	dmesg | grep -q 'softib sa selftest: pass'
	check_err $? "no 'softib sa selftest: pass' line in the kernel log"
	log_test "SA in-kernel self-test"
}

# req_count KIND: a request counter from the groups dump.
req_count()
{
	sib_groups | awk -v k="$1" '/^# requests:/ { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

test_live_sa()
{
	local line p0 p1

	line=$(sib_groups | grep "^$BCAST ")
	echo "$line" | grep -q ' mlid 0xc000 qkey 0x00000b1b pkey 0xffff '
	check_err $? "broadcast group record: '$line'"
	echo "$line" | grep -q ' bcast '
	check_err $? "broadcast group not marked as pre-created: '$line'"
	sib_group_has_member "$BCAST" "$(sib_gid softib0 1)" 1 &&
		sib_group_has_member "$BCAST" "$(sib_gid softib1 1)" 1
	check_err $? "both ports are not full members: '$line'"
	log_test "live SA: broadcast group 0xc000/0x0b1b with both ports"

	[ "$(req_count mcmember)" -gt 0 ] 2>/dev/null
	(($? == 0)) || check_err 1 "no MCMemberRecord requests counted: $(sib_groups | grep '^# requests')"
	# A new neighbour needs a PathRecord: flush the IPoIB path cache by
	# cycling b's interface, then talk again.
	p0=$(req_count path)
	ip -n "$NS_B" link set dev "$IB_B" down
	ip -n "$NS_B" link set dev "$IB_B" up
	wait_for 30 has_carrier "$NS_B" "$IB_B"
	wait_ping "$NS_A" "$IP4_B" 15
	check_err $? "no ping after cycling $IB_B"
	p1=$(req_count path)
	[ "${p1:-0}" -gt "${p0:-0}" ]
	check_err $? "no PathRecord requests counted ($p0 -> $p1)"
	log_info "SA requests: $(sib_groups | grep '^# requests' | cut -c 13-)"
	log_test "live SA: PathRecord and MCMemberRecord requests answered"
}

# The SA through user space (ib_umad, RMPP for GetTable): ClassPortInfo,
# the MCMemberRecord table and a PathRecord, as infiniband-diags see them.
test_saquery()
{
	local out lid_b

	if ! command -v saquery >/dev/null; then
		log_test_skip "saquery" "saquery (infiniband-diags) is not installed"
		return
	fi
	out=$(timeout 20 saquery -C softib0 -P 1 -c 2>&1)
	check_err $? "saquery ClassPortInfo failed: $out"
	echo "$out" | grep -Eq 'Capability mask 2\.*0x0000(1|3|5|7|9|b|d|f)000'
	check_err $? "ClassPortInfo lacks the SendOnlyFullMember capability: $out"
	log_test "saquery: ClassPortInfo with SendOnlyFullMember support"

	out=$(timeout 20 saquery -C softib0 -P 1 -g 2>&1)
	check_err $? "saquery MCMemberRecord table failed: $out"
	echo "$out" | grep -q 'MGID\.*ff12:401b:ffff::ffff:ffff' && echo "$out" | grep -q 'Mlid\.*0xC000'
	check_err $? "MCMemberRecord table lacks the broadcast group: $out"
	log_test "saquery: MCMemberRecord GetTable (RMPP) lists the broadcast group"

	lid_b=$(cat "$(sib_port_knob softib1 1 lid)")
	out=$(timeout 20 saquery -C softib0 -P 1 --src-to-dst "$(cat "$(sib_port_knob softib0 1 lid)"):$lid_b" -p 2>&1)
	check_err $? "saquery PathRecord failed: $out"
	echo "$out" | grep -Eq "dlid\.*$lid_b\$" && echo "$out" | grep -q 'mtu\.*0x85'
	check_err $? "PathRecord to LID $lid_b wrong: $out"
	log_test "saquery: PathRecord between the two ports"
}

ib_pair_setup
require_sib_knob "$SIB_DBG/fabric/groups"
test_selftest
test_live_sa
test_saquery
