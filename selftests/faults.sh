#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection: with 1% of the fabric's data packets dropped
# (fabric/faults drop=10000 ppm), a 10 MB TCP transfer still arrives intact
# (sha256 compared) in datagram mode and, when the driver has it, in
# connected mode (RC retransmits inside the fabric's reliable transport).
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |   10 MB TCP     | $IB_B  192.0.2.2/24   |
#   |   socat (sender)      |---------------->|   socat (receiver)    |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +===== softib fabric, 1% packet drop ======+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd socat sha256sum ss

SIZE=${SIZE:-10485760}
FAULTS=$SIB_DBG/fabric/faults

# drops: packets the fabric dropped by injection on both ports so far.
drops()
{
	local n=0 v d

	for d in softib0 softib1; do
		v=$(awk '$1 == "drop_fault" { print $2 }' "$(sib_port_knob "$d" 1 counters)" 2>/dev/null)
		n=$((n + ${v:-0}))
	done
	echo "$n"
}

transfer_case()
{
	local mode=$1 d0 d1

	d0=$(drops)
	tcp_transfer "$NS_A" "$NS_B" "$IP4_B" "$SIZE"
	check_err $? "$SIZE bytes did not arrive intact in $mode mode"
	log_test "$mode mode: $SIZE bytes intact with 1% drop"
	d1=$(drops)
	log_info "$mode: fabric dropped $((d1 - d0)) packets during the transfer"
	[ $((d1 - d0)) -gt 0 ]
	check_err $? "the fabric dropped nothing in $mode mode: the fault injection did not act"
	log_test "$mode mode: the fabric did drop packets"
}

set_mode()
{
	in_ns "$1" sh -c "echo $3 > /sys/class/net/$2/mode"
}

ib_pair_setup
require_sib_knob "$FAULTS"
sib_write "$FAULTS" "drop=10000"
check_err $? "cannot set drop=10000"
defer sib_write "$FAULTS" "drop=0"
grep -q 'drop=10000' "$FAULTS"
(($? == 0)) || check_err 1 "fabric/faults reads '$(cat "$FAULTS")'"
log_test "fault injection set: drop=10000 ppm"

transfer_case datagram

if require_feature connected "connected mode: $SIZE bytes intact with 1% drop"; then
	set_mode "$NS_A" "$IB_A" connected && set_mode "$NS_B" "$IB_B" connected
	check_err $? "cannot switch to connected mode"
	transfer_case connected
	set_mode "$NS_A" "$IB_A" datagram
	set_mode "$NS_B" "$IB_B" datagram
fi

sib_write "$FAULTS" "drop=0"
wait_ping "$NS_A" "$IP4_B" 10
check_err $? "no traffic after the fault injection was switched off"
log_test "traffic normal after drop=0"
