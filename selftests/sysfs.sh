#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IPoIB sysfs attributes and ethtool settings of a parent interface, on
# one softib HCA with two ports (so that port 2's numbering shows):
#   mode    reads "datagram"; only "datagram\n" / "connected\n" are accepted,
#           anything else is EINVAL and leaves the mode unchanged
#   pkey    reads 0xffff (full-member bit set), read-only
#   umcast  reads 0, takes 0/1 (numbers in any base) and reads them back
#   dev_id, dev_port  port number - 1
#   netdev  type 32, addr_len 20, the broadcast address, tx_queue_len
#   ethtool driver info, the 8 statistics first, rx-usecs/rx-frames coalescing
#           (round trip, 0..0xffff, larger values and other parameters refused)
#   vf      SR-IOV VF settings (ip link set DEV vf N state/node_guid/port_guid)
#           reach the HCA for the interface's own port (softib num_vfs=2:
#           <ibdev>/port<N>/vfs); a VF the HCA does not have is refused
#           with EINVAL
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ethtool

DEV1=
DEV2=

# sysfs_write FILE VALUE: write VALUE (printf %s, no newline added) with a
# single write(2); prints the error message, fails like the write.
sysfs_write()
{
	local err rc

	err=$( { printf '%s' "$2" >"$1"; } 2>&1)
	rc=$?
	[ -z "$err" ] || echo "${err##*: }"
	return $rc
}

attr()
{
	cat "/sys/class/net/$1/$2"
}

test_mode()
{
	local dev=$DEV1 f=/sys/class/net/$DEV1/mode v err

	[ "$(attr "$DEV1" mode)" = datagram ] && [ "$(attr "$DEV2" mode)" = datagram ]
	(($? == 0)) || check_err 1 "mode reads '$(attr "$DEV1" mode)' / '$(attr "$DEV2" mode)', expected datagram"
	log_test "mode reads datagram"

	for v in foo "" Datagram "datagram " datagram "connected " "connected"; do
		if [ "$v" != datagram ] && [ "$v" != connected ]; then
			v="$v"$'\n'
		fi
		err=$(sysfs_write "$f" "$v")
		check_fail $? "writing '${v//$'\n'/\\n}' to $dev/mode succeeded"
		case "$err" in
		*"Invalid argument"*) ;;
		*) check_err 1 "writing '${v//$'\n'/\\n}' to $dev/mode: '$err', expected EINVAL" ;;
		esac
		[ "$(attr "$dev" mode)" = datagram ]
		(($? == 0)) || check_err 1 "mode is '$(attr "$dev" mode)' after writing '${v//$'\n'/\\n}'"
	done
	log_test "mode: malformed writes are EINVAL and change nothing"

	err=$(sysfs_write "$f" $'datagram\n')
	check_err $? "writing 'datagram\\n' to mode failed: $err"
	[ "$(attr "$dev" mode)" = datagram ]
	(($? == 0)) || check_err 1 "mode is '$(attr "$dev" mode)' after writing datagram"
	log_test "mode: datagram accepted"

	if require_feature connected "mode: connected accepted, datagram restores"; then
		err=$(sysfs_write "$f" $'connected\n')
		check_err $? "writing 'connected\\n' to mode failed: $err"
		[ "$(attr "$dev" mode)" = connected ]
		(($? == 0)) || check_err 1 "mode is '$(attr "$dev" mode)' after writing connected"
		err=$(sysfs_write "$f" $'datagram\n')
		check_err $? "writing 'datagram\\n' back failed: $err"
		[ "$(attr "$dev" mode)" = datagram ]
		(($? == 0)) || check_err 1 "mode is '$(attr "$dev" mode)' after writing datagram back"
		log_test "mode: connected accepted, datagram restores"
	fi
}

test_pkey()
{
	local err

	[ "$(attr "$DEV1" pkey)" = 0xffff ] && [ "$(attr "$DEV2" pkey)" = 0xffff ]
	(($? == 0)) || check_err 1 "pkey reads '$(attr "$DEV1" pkey)' / '$(attr "$DEV2" pkey)', expected 0xffff"
	log_test "pkey reads 0xffff"

	err=$(sysfs_write "/sys/class/net/$DEV1/pkey" $'0x8001\n')
	check_fail $? "writing 0x8001 to the read-only pkey succeeded"
	[ "$(attr "$DEV1" pkey)" = 0xffff ]
	(($? == 0)) || check_err 1 "pkey reads '$(attr "$DEV1" pkey)' after the refused write"
	[ "$(stat -c %a "/sys/class/net/$DEV1/pkey")" = 444 ]
	(($? == 0)) || check_err 1 "pkey has mode $(stat -c %a "/sys/class/net/$DEV1/pkey"), expected 444"
	log_test "pkey is read-only ($err)"
}

test_umcast()
{
	local f=/sys/class/net/$DEV1/umcast v want err

	require_feature umcast "umcast" || return
	[ "$(attr "$DEV1" umcast)" = 0 ] && [ "$(attr "$DEV2" umcast)" = 0 ]
	(($? == 0)) || check_err 1 "umcast reads '$(attr "$DEV1" umcast)' / '$(attr "$DEV2" umcast)', expected 0"
	# value written -> value read back (any number base, > 0 means 1)
	for v in 1:1 0:0 2:1 0x10:1 0:0 010:1 00:0; do
		want=${v#*:} v=${v%%:*}
		err=$(sysfs_write "$f" "$v"$'\n')
		check_err $? "writing '$v' to umcast failed: $err"
		[ "$(attr "$DEV1" umcast)" = "$want" ]
		(($? == 0)) || check_err 1 "umcast reads '$(attr "$DEV1" umcast)' after writing '$v', expected $want"
	done
	[ "$(attr "$DEV2" umcast)" = 0 ]
	check_err $? "umcast of $DEV2 changed with $DEV1's"
	log_test "umcast: reads 0, 0/1 and numbers in any base read back as 0/1"

	# Not a number: refused, the flag stays as it was (1 here).  The
	# reference parses with simple_strtoul and always succeeds, so garbage
	# clears the flag ("abc", "-1", " 1" read as 0).
	sysfs_write "$f" $'1\n' >/dev/null
	for v in abc -1 "" " 1" 1x; do
		err=$(sysfs_write "$f" "$v"$'\n')
		(($? != 0)) || check_fail 0 "writing '$v' to umcast succeeded (now $(attr "$DEV1" umcast))"
		[ "$(attr "$DEV1" umcast)" = 1 ]
		(($? == 0)) || check_err 1 "umcast reads '$(attr "$DEV1" umcast)' after the malformed write '$v', expected 1 (unchanged)"
	done
	sysfs_write "$f" $'0\n' >/dev/null
	xfail_reference "umcast accepts any string, a non-number clears the flag"
	log_test "umcast: non-numbers are refused and change nothing"
}

test_dev_id()
{
	[ "$(attr "$DEV1" dev_id)" = 0x0 ] && [ "$(attr "$DEV1" dev_port)" = 0 ]
	(($? == 0)) || check_err 1 "port 1: dev_id '$(attr "$DEV1" dev_id)' dev_port '$(attr "$DEV1" dev_port)', expected 0x0 / 0"
	[ "$(attr "$DEV2" dev_id)" = 0x1 ] && [ "$(attr "$DEV2" dev_port)" = 1 ]
	(($? == 0)) || check_err 1 "port 2: dev_id '$(attr "$DEV2" dev_id)' dev_port '$(attr "$DEV2" dev_port)', expected 0x1 / 1"
	log_test "dev_id and dev_port are the port number - 1"
}

test_netdev()
{
	local d

	for d in "$DEV1" "$DEV2"; do
		[ "$(attr "$d" type)" = 32 ] && [ "$(attr "$d" addr_len)" = 20 ]
		(($? == 0)) || check_err 1 "$d: type $(attr "$d" type) addr_len $(attr "$d" addr_len), expected 32 / 20"
		[ "$(attr "$d" broadcast)" = 00:ff:ff:ff:ff:12:40:1b:ff:ff:00:00:00:00:00:00:ff:ff:ff:ff ]
		(($? == 0)) || check_err 1 "$d: broadcast $(attr "$d" broadcast)"
		[ "$(attr "$d" tx_queue_len)" = 256 ]
		(($? == 0)) || check_err 1 "$d: tx_queue_len $(attr "$d" tx_queue_len), expected 256 (2 x send_queue_size)"
		ip -d link show dev "$d" | grep -q "BROADCAST,MULTICAST"
		(($? == 0)) || check_err 1 "$d: flags $(ip link show dev "$d" | head -1)"
	done
	log_test "netdev: type 32, 20-byte address, broadcast address, tx_queue_len 256"
}

coal()
{
	ethtool -c "$DEV1" | awk -v k="$1:" '$1 == k { print $2 }'
}

test_ethtool()
{
	local s n

	ethtool -i "$DEV1" | grep -qx "driver: ib_ipoib"
	(($? == 0)) || check_err 1 "ethtool -i: $(ethtool -i "$DEV1" | head -1)"
	ethtool -i "$DEV1" | grep -qx "bus-info: softib.0"
	(($? == 0)) || check_err 1 "ethtool -i: $(ethtool -i "$DEV1" | grep bus-info)"
	# the reference's 8 counters first, in its order (more may follow)
	s=$(ethtool -S "$DEV1" | awk -F: 'NR > 1 { gsub(/ /, "", $1); printf "%s ", $1 }')
	case "$s" in
	"rx_packets tx_packets rx_bytes tx_bytes tx_errors rx_dropped tx_dropped multicast "*) ;;
	*) check_err 1 "ethtool -S names: $s" ;;
	esac
	log_info "ethtool -S: $s"
	log_test "ethtool: driver info and the 8 statistics"

	require_feature ethtool-coalesce "ethtool: rx-usecs/rx-frames coalescing" || return
	[ "$(coal rx-usecs)" = 0 ] && [ "$(coal rx-frames)" = 0 ]
	(($? == 0)) || check_err 1 "initial rx-usecs $(coal rx-usecs) rx-frames $(coal rx-frames), expected 0 / 0"
	for n in "10 20" "65535 65535" "0 0" "7 3"; do
		set -- $n
		ethtool -C "$DEV1" rx-usecs "$1" rx-frames "$2"
		check_err $? "ethtool -C rx-usecs $1 rx-frames $2 failed"
		[ "$(coal rx-usecs)" = "$1" ] && [ "$(coal rx-frames)" = "$2" ]
		(($? == 0)) || check_err 1 "after -C rx-usecs $1 rx-frames $2: reads $(coal rx-usecs) / $(coal rx-frames)"
	done
	log_test "ethtool: rx-usecs/rx-frames round trip (0..65535)"

	ethtool -C "$DEV1" rx-usecs 65536 2>/dev/null
	check_fail $? "ethtool -C rx-usecs 65536 accepted"
	ethtool -C "$DEV1" rx-frames 65536 2>/dev/null
	check_fail $? "ethtool -C rx-frames 65536 accepted"
	ethtool -C "$DEV1" rx-usecs 100000 rx-frames 1 2>/dev/null
	check_fail $? "ethtool -C rx-usecs 100000 rx-frames 1 accepted"
	ethtool -C "$DEV1" rx-usecs-irq 5 2>/dev/null
	check_fail $? "ethtool -C rx-usecs-irq 5 accepted"
	[ "$(coal rx-usecs)" = 7 ] && [ "$(coal rx-frames)" = 3 ]
	(($? == 0)) || check_err 1 "after refused settings: rx-usecs $(coal rx-usecs) rx-frames $(coal rx-frames), expected 7 / 3"
	log_test "ethtool: out-of-range and unsupported coalescing refused, values kept"
}

# vf_line PORT VF: softib's line for VF of softib0 port PORT.
vf_line()
{
	awk -v vf="$2" '$1 == "vf" && $2 == vf' "$SIB_DBG/softib0/port$1/vfs"
}

# vf_field PORT VF NAME: one field of that line.
vf_field()
{
	vf_line "$1" "$2" | awk -v n="$3" '{ for (i = 1; i < NF; i++) if ($i == n) print $(i + 1) }'
}

test_vf()
{
	local out

	if [ ! -e "$SIB_DBG/softib0/port1/vfs" ]; then
		log_test_skip "vf: link state and GUIDs reach the HCA" "softib has no port1/vfs (num_vfs)"
		return 0
	fi
	out=$(ip link set dev "$DEV2" vf 1 state enable 2>&1)
	check_err $? "ip link set $DEV2 vf 1 state enable: $out"
	[ "$(vf_field 2 1 link_state)" = enable ] && [ "$(vf_field 1 1 link_state)" = auto ]
	(($? == 0)) || check_err 1 "VF 1 link_state: port 2 '$(vf_field 2 1 link_state)', port 1 '$(vf_field 1 1 link_state)'; expected enable on port 2 only"
	out=$(ip link set dev "$DEV1" vf 0 node_guid 00:11:22:33:44:55:66:77 2>&1) &&
		out=$(ip link set dev "$DEV1" vf 0 port_guid 00:11:22:33:44:55:66:88 2>&1)
	check_err $? "ip link set $DEV1 vf 0 node_guid/port_guid: $out"
	[ "$(vf_field 1 0 node_guid)" = 0x0011223344556677 ] &&
		[ "$(vf_field 1 0 port_guid)" = 0x0011223344556688 ]
	(($? == 0)) || check_err 1 "port 1 VF 0 reads '$(vf_line 1 0)', expected node_guid 0x0011223344556677 port_guid 0x0011223344556688"
	log_test "vf: link state and GUIDs reach the HCA for the interface's port"

	out=$(ip link set dev "$DEV1" vf 2 state disable 2>&1)
	check_fail $? "vf 2 (softib has 2 VFs) accepted"
	[[ $out == *"Invalid argument"* ]]
	check_err $? "vf 2: '$out', expected EINVAL"
	[ "$(vf_field 2 1 link_state)" = enable ] && [ "$(vf_field 1 1 sets)" = 0 ]
	(($? == 0)) || check_err 1 "after the refusal: port 2 VF 1 '$(vf_line 2 1)', port 1 VF 1 '$(vf_line 1 1)'"
	log_test "vf: a VF the HCA does not have is refused (EINVAL), nothing changed"
}

load_softib devices=1 ports=2 num_vfs=2
load_ipoib
wait_for 20 ipoib_netdev softib0 1 >/dev/null && wait_for 20 ipoib_netdev softib0 2 >/dev/null ||
	fail_all "no IPoIB devices for softib0 ports 1 and 2" "topology"
DEV1=$(ipoib_netdev softib0 1)
DEV2=$(ipoib_netdev softib0 2)
ip link set dev "$DEV1" up
log_info "softib0 port 1: $DEV1, port 2: $DEV2 ($IPOIB ib_ipoib)"

test_mode
test_pkey
test_umcast
test_dev_id
test_netdev
test_ethtool
test_vf
