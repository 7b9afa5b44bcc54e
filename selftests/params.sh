#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ib_ipoib module parameters.  send_queue_size and recv_queue_size are
# rounded up to a power of two and clamped (send to [128, 8192], recv to
# [2, 8192]; 0 and negative values give the minimum), and the clamped value
# is what /sys/module/ib_ipoib/parameters shows; values that do not fit an
# int are refused by the kernel's parameter parser; max_nonsrq_conn_qp is
# clamped to [0, 4096].  The module is loaded
# again for each value and a ping a<->b must still work.  debug_level and
# mcast_debug_level are writable at run time and turn on debug messages; an
# unknown parameter is ignored with a warning (the kernel's rule), the
# module still loads.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping

PARAMS=/sys/module/ib_ipoib/parameters
TRAFFIC_SEEN=

# try_load PARAMS...: load the ib_ipoib under test with PARAMS; prints the
# loader's error.
try_load()
{
	unload_ipoib
	if [ "$IPOIB" = ours ]; then
		insmod "$MODDIR/ib_ipoib.ko" "$@" 2>&1
	else
		modprobe ib_ipoib "$@" 2>&1
	fi
}

unload_ipoib()
{
	local ns

	for ns in "$NS_A" "$NS_B"; do
		ns_del "$ns"
	done
	lsmod_has ib_ipoib || return 0
	wait_for 30 rmmod ib_ipoib 2>/dev/null
}

# expect_q VALUE MIN: roundup_pow_of_two(VALUE) clamped to [MIN, 8192].
expect_q()
{
	local v=$1 min=$2 p=1

	if [ "$v" -le 0 ]; then
		echo "$min"
		return
	fi
	while [ "$p" -lt "$v" ] && [ "$p" -lt 8192 ]; do
		p=$((p * 2))
	done
	[ "$p" -lt "$min" ] && p=$min
	echo "$p"
}

# traffic_ok: both ports come up in ns a/b and ping each other.
traffic_ok()
{
	local out

	out=$(IB_CARRIER_TIMEOUT=30 ib_pair_setup 2>&1)
	if ! echo "$out" | grep -q "^# topology:"; then
		check_err 1 "topology: $(echo "$out" | grep -v '^ok\|^not ok' | tail -n 2)"
		return 1
	fi
	# the IPoIB device of the namespace (a kernel with sit or other tunnels
	# built in also puts their fallback devices there)
	IB_A=$(ip -n "$NS_A" -o link show | awk -F': ' '/link\/infiniband/ { sub(/@.*/, "", $2); print $2; exit }')
	wait_ping "$NS_A" "$IP4_B" 10 && ping_once "$NS_B" "$IP4_A"
	check_err $? "ping a<->b failed"
}

test_queue_size()
{
	local v=$1 err es er gs gr

	es=$(expect_q "$v" 128)
	er=$(expect_q "$v" 2)
	err=$(try_load send_queue_size="$v" recv_queue_size="$v")
	check_err $? "loading with send_queue_size=$v recv_queue_size=$v failed: $err"
	if lsmod_has ib_ipoib; then
		gs=$(cat "$PARAMS/send_queue_size") gr=$(cat "$PARAMS/recv_queue_size")
		[ "$gs" = "$es" ]
		check_err $? "send_queue_size=$v reads $gs, expected $es"
		[ "$gr" = "$er" ]
		check_err $? "recv_queue_size=$v reads $gr, expected $er"
		# traffic once per resulting pair of sizes (the module reload
		# and the broadcast join cost seconds per case)
		case " $TRAFFIC_SEEN " in
		*" $es/$er "*)
			log_info "sizes $es / $er: traffic already checked"
			;;
		*)
			TRAFFIC_SEEN+=" $es/$er"
			traffic_ok
			;;
		esac
	fi
	log_test "send_queue_size=$v recv_queue_size=$v: read back $es / $er, traffic flows"
}

test_refused()
{
	local v err

	for v in "$@"; do
		err=$(try_load send_queue_size="$v")
		(($? != 0)) || check_fail 0 "send_queue_size=$v was accepted (reads $(cat "$PARAMS/send_queue_size" 2>&1))"
		err=$(try_load recv_queue_size="$v")
		(($? != 0)) || check_fail 0 "recv_queue_size=$v was accepted (reads $(cat "$PARAMS/recv_queue_size" 2>&1))"
	done
	log_test "queue sizes that do not fit an int are refused: $*"
}

# max_nonsrq_conn_qp (connected mode without an SRQ: passive connections
# per interface; connected_limits.sh shows it bounding them) is clamped to
# [0, 4096] at load and reads back as clamped.
test_max_nonsrq()
{
	local pair v want err got

	for pair in -1:0 4097:4096; do
		v=${pair%:*} want=${pair#*:}
		if ! err=$(try_load max_nonsrq_conn_qp="$v"); then
			check_err 1 "loading with max_nonsrq_conn_qp=$v failed: $err"
			continue
		fi
		got=$(cat "$PARAMS/max_nonsrq_conn_qp")
		[ "$got" = "$want" ] || check_err 1 "max_nonsrq_conn_qp=$v reads $got, expected $want"
	done
	log_test "max_nonsrq_conn_qp clamped to [0, 4096] and read back: -1 -> 0, 4097 -> 4096"
}

# debug_lines DEV: kernel log lines naming DEV after a down/up cycle.  A
# marker in the log bounds them (the ring buffer may be full, so counting
# lines before and after would not do).
debug_lines()
{
	local dev=$1 mark

	mark="params.sh: debug lines $RANDOM$RANDOM"
	echo "$mark" >/dev/kmsg
	ip -n "$NS_A" link set dev "$dev" down
	ip -n "$NS_A" link set dev "$dev" up
	wait_for 20 has_carrier "$NS_A" "$dev"
	ping_ok "$NS_A" "$IP4_B" >/dev/null
	dmesg | sed -n "/$mark/,\$p" | grep -c "$dev"
}

test_debug_levels()
{
	local p quiet loud

	err=$(try_load)
	check_err $? "loading without parameters failed: $err"
	traffic_ok
	for p in debug_level mcast_debug_level; do
		[ "$(cat "$PARAMS/$p")" = 0 ]
		(($? == 0)) || check_err 1 "$p reads $(cat "$PARAMS/$p") at load, expected 0"
		[ "$(stat -c %a "$PARAMS/$p")" = 644 ]
		(($? == 0)) || check_err 1 "$p has mode $(stat -c %a "$PARAMS/$p"), expected 644"
	done
	quiet=$(debug_lines "$IB_A")
	for p in debug_level mcast_debug_level; do
		if ! echo 1 2>/dev/null >"$PARAMS/$p"; then
			check_err 1 "cannot write 1 to $p"
		fi
	done
	[ "$(cat "$PARAMS/debug_level")" = 1 ] && [ "$(cat "$PARAMS/mcast_debug_level")" = 1 ]
	(($? == 0)) || check_err 1 "debug levels read $(cat "$PARAMS/debug_level") / $(cat "$PARAMS/mcast_debug_level") after writing 1"
	loud=$(debug_lines "$IB_A")
	echo 0 >"$PARAMS/debug_level"
	echo 0 >"$PARAMS/mcast_debug_level"
	log_info "kernel log lines naming $IB_A for a down/up: $quiet with debug off, $loud with debug on"
	[ "$loud" -gt "$quiet" ]
	check_err $? "debug_level=1 mcast_debug_level=1 add no kernel messages for a down/up ($quiet off, $loud on)"
	[ "$(cat "$PARAMS/debug_level")" = 0 ] && [ "$(cat "$PARAMS/mcast_debug_level")" = 0 ]
	check_err $? "debug levels did not go back to 0"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "ping a->b failed after the debug level changes"
	log_test "debug_level and mcast_debug_level are writable at run time and turn on debug messages"
}

test_unknown_param()
{
	local err

	dmesg -C 2>/dev/null
	err=$(try_load no_such_param=1)
	check_err $? "loading with an unknown parameter failed: $err"
	lsmod_has ib_ipoib
	check_err $? "ib_ipoib not loaded"
	[ ! -e "$PARAMS/no_such_param" ]
	check_err $? "$PARAMS/no_such_param exists"
	dmesg | grep -q "unknown parameter 'no_such_param' ignored"
	check_err $? "no 'unknown parameter ignored' warning in the kernel log"
	log_test "an unknown parameter is ignored with a warning, the module loads"
}

load_softib
LIB_MODS+=(ib_ipoib)
for v in 0 1 2 3 127 128 129 8192 8193; do
	test_queue_size "$v"
done

err=$(try_load send_queue_size=-1 recv_queue_size=-1)
check_err $? "loading with send_queue_size=-1 recv_queue_size=-1 failed: $err"
if lsmod_has ib_ipoib; then
	[ "$(cat "$PARAMS/send_queue_size")" = 128 ] && [ "$(cat "$PARAMS/recv_queue_size")" = 2 ]
	(($? == 0)) || check_err 1 "-1 reads $(cat "$PARAMS/send_queue_size") / $(cat "$PARAMS/recv_queue_size"), expected 128 / 2"
	traffic_ok
fi
log_test "send_queue_size=-1 recv_queue_size=-1: clamped to 128 / 2 like 0, traffic flows"

test_refused 4294967295 4294967296 99999999999
test_max_nonsrq
test_debug_levels
test_unknown_param
unload_ipoib
