#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module lifetime: rmmod ib_ipoib with traffic running, rmmod softib under a
# loaded ib_ipoib with its interfaces up and busy, and 20 load/unload cycles
# in both orders with mode switches.  The guest runner fails the run on any kernel splat; here
# every rmmod must succeed and both modules must be gone at the end.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |  ping -i 0.01   | $IB_B  192.0.2.2/24   |
#   |   + iperf3 UDP        |<--------------->|                       |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping iperf3

# 20 cycles; 5 on a slow (debug) kernel, where each takes 9 s and lockdep,
# KASAN and kmemleak see every path in the first few
CYCLES=${CYCLES:-$([ "${RIG_SLOW:-1}" -gt 1 ] && echo 5 || echo 20)}
MODE_CYCLES=${MODE_CYCLES:-5}

# ipoib_netdevs: how many IPoIB (ARPHRD_INFINIBAND) net devices exist here.
ipoib_netdevs()
{
	local d n=0 t

	for d in /sys/class/net/*; do
		read_file "$d/type" t && [ "$t" = 32 ] && n=$((n + 1))
	done
	echo "$n"
}

ipoib_netdevs_at_least()
{
	[ "$(ipoib_netdevs)" -ge "$1" ]
}

# start_traffic: pings both ways and a UDP stream a->b, in the background.
start_traffic()
{
	local log=/dev/null

	bg_start "$NS_A" "$log" ping -q -i 0.01 -s 1000 "$IP4_B"
	bg_start "$NS_B" "$log" ping -q -i 0.01 -s 3000 "$IP4_A"
	bg_start "$NS_A" "$log" ping -6 -q -i 0.02 "$IP6_B"
	bg_start "$NS_B" "$log" iperf3 -s -B "$IP4_B" -p 5202
	wait_for 10 listening "$NS_B" 5202
	bg_start "$NS_A" "$log" iperf3 -c "$IP4_B" -p 5202 -u -b 20M -t 60
	# Let the traffic reach the data path.
	wait_for 10 rx_packets_above "$NS_B" "$IB_B" 200
}

# rx_packets_above NS DEV N: DEV has received more than N packets.
rx_packets_above()
{
	local n

	ns_file "$1" "/sys/class/net/$2/statistics/rx_packets" n && [ "$n" -gt "$3" ]
}

test_rmmod_ipoib_busy()
{
	ib_pair_setup
	start_traffic
	check_err $? "traffic did not start"
	log_info "rmmod ib_ipoib with traffic running"
	timeout 60 rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib under traffic failed"
	! lsmod_has ib_ipoib
	check_err $? "ib_ipoib still loaded"
	[ "$(ipoib_netdevs)" = 0 ] && ! ip -n "$NS_A" link show dev "$IB_A" >/dev/null 2>&1
	check_err $? "IPoIB net devices left after rmmod ib_ipoib"
	log_test "rmmod ib_ipoib with traffic running"
	lib_cleanup
}

test_rmmod_softib_under_ipoib()
{
	ib_pair_setup
	start_traffic
	check_err $? "traffic did not start"
	log_info "rmmod softib with ib_ipoib loaded, interfaces up and busy"
	timeout 60 rmmod softib
	check_err $? "rmmod softib under ib_ipoib failed"
	! lsmod_has softib
	check_err $? "softib still loaded"
	lsmod_has ib_ipoib
	check_err $? "ib_ipoib went away with softib"
	[ "$(ipoib_netdevs)" = 0 ] && ! ip -n "$NS_A" link show dev "$IB_A" >/dev/null 2>&1
	check_err $? "IPoIB net devices left after their HCA went away"
	timeout 60 rmmod ib_ipoib
	check_err $? "rmmod ib_ipoib after softib failed"
	log_test "rmmod softib under ib_ipoib with interfaces up"
	lib_cleanup
}

# set_mode DEV MODE: switch DEV's mode and read it back.
set_mode()
{
	local m

	echo "$2" >"/sys/class/net/$1/mode" &&
		read_file "/sys/class/net/$1/mode" m && [ "$m" = "$2" ]
}

# One cycle: load both, bring the interfaces up and, in the first
# $MODE_CYCLES cycles, switch them to connected mode (every third cycle back
# to datagram), so that connected-mode state is torn down by the unload as
# well as by the mode switch; odd cycles also wait for carrier.  Unload in
# the order of the cycle.
cycle()
{
	local i=$1 dev first="" t0=$SECONDS type

	insmod "$MODDIR/softib.ko" || return 1
	if [ "$IPOIB" = reference ]; then
		modprobe ib_ipoib || return 1
	else
		insmod "$MODDIR/ib_ipoib.ko" || return 1
	fi
	wait_for 20 ipoib_netdevs_at_least 2 || return 1
	for dev in /sys/class/net/*; do
		read_file "$dev/type" type && [ "$type" = 32 ] || continue
		first=${first:-${dev##*/}}
		ip link set dev "${dev##*/}" up || return 1
		[ "$i" -le "$MODE_CYCLES" ] || continue
		set_mode "${dev##*/}" connected || return 1
		[ $((i % 3)) != 0 ] || set_mode "${dev##*/}" datagram || return 1
	done
	if [ $((i % 2)) = 1 ]; then
		wait_for 30 bash -c "ip link show dev $first | grep -q LOWER_UP" || return 1
	fi
	local t1=$SECONDS
	if [ $((i % 2)) = 0 ]; then
		timeout 60 rmmod softib && timeout 60 rmmod ib_ipoib
	else
		timeout 60 rmmod ib_ipoib && timeout 60 rmmod softib
	fi
	local rc=$?
	[ -z "$CYCLE_TRACE" ] || log_info "cycle $i: up $((t1 - t0)) s, down $((SECONDS - t1)) s"
	return $rc
}

test_cycles()
{
	local i start=$SECONDS

	modprobe -a ib_core ib_cm ib_umad
	for ((i = 1; i <= CYCLES; i++)); do
		cycle "$i"
		check_err $? "load/unload cycle $i failed"
		[ "$RET" = 0 ] || break
	done
	log_info "$((i - 1)) cycles in $((SECONDS - start)) s"
	! lsmod_has softib && ! lsmod_has ib_ipoib
	(($? == 0)) || check_err 1 "modules left loaded: $(lsmod | grep -E '^(softib|ib_ipoib) ')"
	log_test "$CYCLES load/unload cycles (both orders, mode switches), modules gone"
}

[ -f "$MODDIR/softib.ko" ] || skip_all "softib.ko is not built ($MODDIR)"
[ "$IPOIB" = reference ] || [ -f "$MODDIR/ib_ipoib.ko" ] || skip_all "ib_ipoib.ko is not built"
test_rmmod_ipoib_busy
test_rmmod_softib_under_ipoib
test_cycles
