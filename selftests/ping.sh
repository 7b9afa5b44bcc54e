#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv4/IPv6 ping over IPoIB: small, largest unfragmented (DF), fragmented,
# the neighbour entries carry the peer's 20-byte IPoIB address, and the
# driver's own transmit length check: a GSO packet from an AF_PACKET socket
# (PACKET_VNET_HDR) whose gso_size exceeds the MTU is cut by software GSO
# into over-MTU segments that reach ndo_start_xmit, which must drop them.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A                 |                 | $IB_B                 |
#   | 192.0.2.1/24          |                 | 192.0.2.2/24          |
#   | 2001:db8::1/64        |                 | 2001:db8::2/64        |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd ping python3

test_small()
{
	ping_ok "$NS_A" "$IP4_B" -s 56
	check_err $? "IPv4 ping 56 bytes a->b failed"
	ping_ok "$NS_B" "$IP4_A" -s 56
	check_err $? "IPv4 ping 56 bytes b->a failed"
	log_test "IPv4 ping, 56 bytes"

	ping_ok "$NS_A" "$IP6_B" -s 56
	check_err $? "IPv6 ping 56 bytes a->b failed"
	ping_ok "$NS_B" "$IP6_A" -s 56
	check_err $? "IPv6 ping 56 bytes b->a failed"
	log_test "IPv6 ping, 56 bytes"
}

# The largest payload that fits the MTU unfragmented passes with DF set;
# one byte more is refused locally (message too long) by the IP stack,
# before the driver sees it: test_over_mtu_xmit covers the driver's check.
test_max_unfragmented()
{
	local mtu max4 max6

	mtu=$(ib_mtu "$NS_A" "$IB_A")
	max4=$((mtu - 28))
	max6=$((mtu - 48))
	log_info "MTU $mtu: IPv4 payload $max4, IPv6 payload $max6"

	ping_ok "$NS_A" "$IP4_B" -s "$max4" -M "do"
	check_err $? "IPv4 ping -s $max4 -M do failed"
	ping_ok "$NS_A" "$IP4_B" -s $((max4 + 1)) -M "do"
	(($? != 0)) || check_fail 0 "IPv4 ping -s $((max4 + 1)) -M do passed although it exceeds MTU $mtu"
	log_test "IPv4 ping, largest unfragmented ($max4 bytes, DF)"

	ping_ok "$NS_A" "$IP6_B" -s "$max6" -M "do"
	check_err $? "IPv6 ping -s $max6 -M do failed"
	ping_ok "$NS_A" "$IP6_B" -s $((max6 + 1)) -M "do"
	(($? != 0)) || check_fail 0 "IPv6 ping -s $((max6 + 1)) -M do passed although it exceeds MTU $mtu"
	log_test "IPv6 ping, largest unfragmented ($max6 bytes, DF)"
}

test_fragmented()
{
	local mtu size

	mtu=$(ib_mtu "$NS_A" "$IB_A")
	size=$((mtu * 3 + 100))
	ping_ok "$NS_A" "$IP4_B" -s "$size" -M dont
	check_err $? "IPv4 ping -s $size (fragmented) failed"
	log_test "IPv4 ping, $size bytes fragmented"

	ping_ok "$NS_A" "$IP6_B" -s "$size"
	check_err $? "IPv6 ping -s $size (fragmented) failed"
	log_test "IPv6 ping, $size bytes fragmented"
}

test_neigh()
{
	local addr_b addr_a got bytes

	addr_b=$(ib_addr "$NS_B" "$IB_B")
	addr_a=$(ib_addr "$NS_A" "$IB_A")
	bytes=$(echo "$addr_b" | tr ':' '\n' | grep -c .)
	[ "$bytes" -eq 20 ]
	check_err $? "link address of $IB_B has $bytes bytes, expected 20: $addr_b"

	ping_ok "$NS_A" "$IP4_B"
	got=$(neigh_lladdr "$NS_A" "$IP4_B" "$IB_A")
	[ "$got" = "$addr_b" ]
	check_err $? "ARP entry for $IP4_B is '$got', expected $addr_b"
	got=$(neigh_lladdr "$NS_B" "$IP4_A" "$IB_B")
	[ "$got" = "$addr_a" ]
	check_err $? "ARP entry for $IP4_A is '$got', expected $addr_a"
	log_test "IPv4 neighbour has the peer's 20-byte address"

	ping_ok "$NS_A" "$IP6_B"
	got=$(neigh_lladdr "$NS_A" "$IP6_B" "$IB_A")
	[ "$got" = "$addr_b" ]
	check_err $? "ND entry for $IP6_B is '$got', expected $addr_b"
	log_test "IPv6 neighbour has the peer's 20-byte address"
}

# gso_send NS DEV DST_HW SRC_IP DST_IP GSO_SIZE NSEG COUNT: from an AF_PACKET
# socket with PACKET_VNET_HDR, send COUNT TCP/IPv4 GSO packets of NSEG
# segments of GSO_SIZE payload bytes each to the IPoIB address DST_HW.  The
# socket bypasses the MTU check for GSO packets; the device has no TSO, so
# validate_xmit_skb segments them and each segment reaches the driver.
gso_send()
{
	local ns=$1

	shift
	in_ns "$ns" python3 - "$@" <<'PYEOF'
import socket, struct, sys

dev, hw, sip, dip = sys.argv[1:5]
gso, nseg, count = (int(x) for x in sys.argv[5:8])
ETH_P_IP, SOL_PACKET, PACKET_VNET_HDR = 0x0800, 263, 15

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

payload = bytes(range(256)) * (gso * nseg // 256 + 1)
payload = payload[:gso * nseg]
src, dst = socket.inet_aton(sip), socket.inet_aton(dip)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0x4000,
                 64, 6, 0, src, dst)
ip = ip[:10] + struct.pack("!H", 0xffff - csum(ip)) + ip[12:]
# checksum field: the pseudo-header sum (CHECKSUM_PARTIAL convention)
pseudo = csum(src + dst + struct.pack("!BBH", 0, 6, 20 + len(payload)))
tcp = struct.pack("!HHIIBBHHH", 40000, 9, 1, 0, 5 << 4, 0x18, 65535,
                  pseudo, 0)
l2 = bytes(int(x, 16) for x in hw.split(":")) + struct.pack("!HH", ETH_P_IP, 0)
hlen = len(l2) + 40
# virtio_net_hdr: NEEDS_CSUM, GSO_TCPV4, hdr_len, gso_size, csum_start/offset
vnet = struct.pack("<BBHHHH", 1, 1, hlen, gso, len(l2) + 20, 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
s.bind((dev, ETH_P_IP))
for _ in range(count):
    s.send(vnet + l2 + ip + tcp + payload)
PYEOF
}

# tx_drops_reached NS DEV DROPPED0 ERRORS0 N: tx_dropped or tx_errors of
# DEV grew by at least N.
tx_drops_reached()
{
	[ $(($(ib_stat "$1" "$2" tx_dropped) - $3)) -ge "$5" ] ||
		[ $(($(ib_stat "$1" "$2" tx_errors) - $4)) -ge "$5" ]
}

# A segment longer than the MTU is dropped by the driver (tx_dropped or
# tx_errors), never delivered to the peer, and nothing splats.
test_over_mtu_xmit()
{
	local mtu nseg=4 count=4 n addr_b drop0 drop1 err0 err1 rx0 rx1 txp0 txp1

	n=$((nseg * count))
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	addr_b=$(ib_addr "$NS_B" "$IB_B")
	# The path to b is resolved: the segments go straight to the send path.
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "IPv4 ping a->b failed before the over-MTU test"
	drop0=$(ib_stat "$NS_A" "$IB_A" tx_dropped)
	err0=$(ib_stat "$NS_A" "$IB_A" tx_errors)
	txp0=$(ib_stat "$NS_A" "$IB_A" tx_packets)
	rx0=$(ib_stat "$NS_B" "$IB_B" rx_packets)
	gso_send "$NS_A" "$IB_A" "$addr_b" "$IP4_A" "$IP4_B" "$mtu" "$nseg" "$count"
	check_err $? "sending GSO packets with gso_size $mtu on an AF_PACKET socket failed"
	# The drops are counted in ndo_start_xmit; then give a (wrongly)
	# delivered segment a moment to show at b.
	wait_for 3 tx_drops_reached "$NS_A" "$IB_A" "$drop0" "$err0" "$n"
	sleep 0.5
	drop1=$(ib_stat "$NS_A" "$IB_A" tx_dropped)
	err1=$(ib_stat "$NS_A" "$IB_A" tx_errors)
	txp1=$(ib_stat "$NS_A" "$IB_A" tx_packets)
	rx1=$(ib_stat "$NS_B" "$IB_B" rx_packets)
	log_info "$n segments of $((mtu + 40)) bytes (MTU $mtu): tx_dropped +$((drop1 - drop0)), tx_errors +$((err1 - err0)), tx_packets +$((txp1 - txp0)), peer rx_packets +$((rx1 - rx0))"
	[ $((drop1 - drop0)) -eq "$n" ] || [ $((err1 - err0)) -eq "$n" ]
	(($? == 0)) || check_err 1 "$n over-MTU segments: tx_dropped grew by $((drop1 - drop0)), tx_errors by $((err1 - err0)), expected $n"
	[ $((rx1 - rx0)) -lt "$n" ]
	(($? == 0)) || check_err 1 "the peer's rx_packets grew by $((rx1 - rx0)) ($n over-MTU segments sent)"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "IPv4 ping a->b failed after the over-MTU segments"
	log_test "over-MTU segments reaching ndo_start_xmit are dropped and counted"
}

ib_pair_setup
test_small
test_max_unfragmented
test_fragmented
test_neigh
test_over_mtu_xmit
