#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection: with 1% of the fabric's data packets dropped
# (fabric/faults drop=10000 ppm), a 10 MB TCP transfer still arrives intact
# (sha256 compared) in datagram mode and, when the driver has it, in
# connected mode (RC retransmits inside the fabric's reliable transport).
# A hung send queue (softib's port wedge knob: posted sends neither go out
# nor complete until the QP is reset): the queue fills, the kernel's
# watchdog calls the driver's transmit-timeout handler after watchdog_timeo
# (10 s), the driver resets its QP and traffic resumes by itself.
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

require_cmd socat cmp ss

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

# tx_timeouts NS DEV: the watchdog's transmit-timeout count of DEV's queue.
tx_timeouts()
{
	in_ns "$1" cat "/sys/class/net/$2/queues/tx-0/tx_timeout"
}

# flood_udp NS DST N: N datagrams to DST's discard port without blocking:
# what a wedged queue holds stays charged to the socket, so a blocking
# sender would wait for as long as the queue is wedged.
flood_udp()
{
	in_ns "$1" python3 - "$2" "$3" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(int(sys.argv[2])):
    try:
        s.sendto(b"x" * 64, (sys.argv[1], 9))
    except OSError:
        pass
PYEOF
}

# timeouts_above N: a's transmit-timeout count went above N.
timeouts_above()
{
	[ "$(tx_timeouts "$NS_A" "$IB_A")" -gt "$1" ]
}

test_tx_timeout()
{
	local knob t0 start fired

	knob=$(sib_port_knob softib0 1 wedge)
	if [ ! -e "$knob" ]; then
		log_test_skip "transmit timeout: a wedged send queue is reset" "softib has no $knob"
		return
	fi
	wait_ping "$NS_A" "$IP4_B" 10 || check_err 1 "no traffic before the wedge"
	t0=$(tx_timeouts "$NS_A" "$IB_A")
	sib_write "$knob" 1
	defer sib_write "$knob" 0
	[ "$(cat "$knob")" -ge 1 ] || check_err 1 "the wedge knob wedged no QP of softib0 port 1"
	! ping_once "$NS_A" "$IP4_B" || check_err 1 "a ping went through the wedged send queue"
	start=$SECONDS
	# More datagrams than the send ring and the qdisc hold: the queue stops.
	flood_udp "$NS_A" "$IP4_B" 2000
	if wait_for 40 timeouts_above "$t0"; then
		fired=$((SECONDS - start))
		wait_ping "$NS_A" "$IP4_B" 20 ||
			check_err 1 "no traffic after the transmit timeout"
		log_info "transmit timeout after ${fired} s, traffic back after $((SECONDS - start)) s"
		[ "$(cat "$knob")" = 0 ] ||
			check_err 1 "$(cat "$knob") QPs still wedged: the driver did not reset its QP"
	else
		check_err 1 "no transmit timeout within 40 s of a stopped queue"
	fi
	sib_write "$knob" 0
	log_test "transmit timeout: the wedged send queue is reset, traffic resumes"
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

test_tx_timeout
