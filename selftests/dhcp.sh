#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DHCP over IPoIB (RFC 4390), the way Documentation/ipoib.rst ("DHCP")
# shows it: dnsmasq serves on b's interface; on a, the DHCP clients that
# work on an InfiniBand interface get their addresses through our driver.
# RFC 4390 messages carry htype 32 and hlen 0 (no chaddr: the 20-byte
# address does not fit), the server broadcasts its replies, and the client
# identifier option names the client, so the lease is keyed by it:
#  - NetworkManager's internal client (its default client identifier is
#    type 32 followed by the port GUID): an address from the range, a lease
#    with hardware type 32 and no hardware address under that identifier;
#  - the client-identifier formats of the vendor guide, set in the profile
#    (ipv4.dhcp-client-id), each pinned by a dnsmasq host entry to a fixed
#    address: 0xff, IAID 0, DUID-EN of enterprise 0x2c9 with the port GUID
#    (FlexBoot's), and type 32 with the whole 20-byte address;
#  - systemd-networkd's client: its default identifier (0xff, IAID, DUID;
#    RFC 4390's recommendation) gets a lease of its own, and
#    ClientIdentifier=mac (type 32 and the GUID, as NetworkManager's
#    default) gets back the very address NetworkManager had: the server
#    knows the client by its identifier, whichever program sends it.
# isc-dhcp-client and dhcpcd do not work on InfiniBand (the guide says
# why) and are not run.
#
#   initial namespace (DHCP clients)        ns b (dnsmasq)
#   $IB_A      (address by DHCP)            $IB_B      192.0.2.2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"
source "$(dirname "$0")/nm_lib.sh"

require_cmd dnsmasq ping
NETWORKD=/lib/systemd/systemd-networkd

RANGE_LO=100
RANGE_HI=150
FLEX_IP=192.0.2.77
HW_IP=192.0.2.78
PROF=ib-a-dhcp
DH=$(mktemp -d)
defer rm -rf "$DH"
defer keep_logs
NM_ADDR=
ND_PID=

# keep_logs: dnsmasq's leases and log, and networkd's log, with the run's
# results.
keep_logs()
{
	local f

	[ -n "${RIG_RESULTS:-}" ] || return 0
	for f in leases dnsmasq.log networkd.log; do
		[ ! -e "$DH/$f" ] || cp "$DH/$f" "$RIG_RESULTS/dhcp-$IPOIB-$f"
	done
}

# server_start: dnsmasq (DHCP only) on $IB_B in b, with one host entry for
# each client-identifier format of a's port.
server_start()
{
	local addr guid

	read_file "/sys/class/net/$IB_A/address" addr || fail_all "no address for $IB_A" "dnsmasq"
	guid=${addr:36}
	FLEX_ID=ff:00:00:00:00:00:02:00:00:02:c9:00:$guid
	HW_ID=20:$addr
	GUID=$guid
	bg_start "$NS_B" "$DH/dnsmasq.out" dnsmasq --keep-in-foreground --port=0 \
		--interface="$IB_B" --bind-interfaces \
		--dhcp-range="192.0.2.$RANGE_LO,192.0.2.$RANGE_HI,255.255.255.0,1h" \
		--dhcp-leasefile="$DH/leases" --pid-file="$DH/pid" \
		--log-dhcp --log-facility="$DH/dnsmasq.log" \
		--dhcp-host="id:$FLEX_ID,$FLEX_IP" --dhcp-host="id:$HW_ID,$HW_IP"
	wait_for 20 listening "$NS_B" 67 udp ||
		fail_all "dnsmasq does not listen on $NS_B/$IB_B: $(cat "$DH/dnsmasq.out")" "dnsmasq"
}

# a_dhcp_addr: the IPv4 address DHCP gave $IB_A (fails while it has none).
a_dhcp_addr()
{
	local a

	a=$(ip -4 -o addr show dev "$IB_A" 2>/dev/null | awk '{ print $4; exit }')
	[ -n "$a" ] || return 1
	echo "${a%/*}"
}

# in_range IP: IP lies in dnsmasq's dynamic range.
in_range()
{
	local last=${1##*.}

	[ "${1%.*}" = 192.0.2 ] && [ "$last" -ge "$RANGE_LO" ] && [ "$last" -le "$RANGE_HI" ]
}

# lease_of IP: dnsmasq's lease line of IP ("expiry hwaddr ip name id").
lease_of()
{
	awk -v ip="$1" '$3 == ip' "$DH/leases" 2>/dev/null
}

# lease_check IP ID_REGEX: the lease of IP has hardware type 32 with no
# hardware address ("20-") and a client identifier matching ID_REGEX;
# b reaches IP.
lease_check()
{
	local ip=$1 l

	wait_for 10 eval '[ -n "$(lease_of "$ip")" ]'
	l=$(lease_of "$ip")
	read -r _ hw _ _ id <<<"$l"
	[ "$hw" = 20- ] || check_err 1 "lease of $ip: hardware '$hw', not type 32 without an address (20-)"
	[[ "$id" =~ ^$2$ ]] || check_err 1 "lease of $ip: client identifier '$id', not /$2/"
	wait_ping "$NS_B" "$ip" 10 || check_err 1 "ping $ip from $NS_B failed"
}

# nm_dhcp [CLIENT_ID]: (re)activate the DHCP profile, with CLIENT_ID set
# when given; prints the address it got.
nm_dhcp()
{
	if [ -n "${1:-}" ]; then
		nmcli connection modify "$PROF" ipv4.dhcp-client-id "$1" || return 1
	fi
	nm_up "$PROF" >&2 || return 1
	wait_for 10 a_dhcp_addr >/dev/null && a_dhcp_addr
}

test_nm_default()
{
	local out ip

	out=$(nmcli connection add type infiniband ifname "$IB_A" con-name "$PROF" \
		ipv4.method auto ipv6.method disabled 2>&1) ||
		check_err 1 "nmcli connection add: $out"
	if ip=$(nm_dhcp); then
		in_range "$ip" || check_err 1 "got $ip, outside the range"
		lease_check "$ip" "20:$GUID"
		[ "$RET" != 0 ] || NM_ADDR=$ip
	else
		check_err 1 "no address by DHCP"
	fi
	log_test "NetworkManager's DHCP client: ${ip:-no address}, lease keyed by 20:GUID"
}

# test_pinned NAME ID IP: the profile sends client identifier ID, the host
# entry for ID gives IP.
test_pinned()
{
	local ip

	if ip=$(nm_dhcp "$2"); then
		[ "$ip" = "$3" ] || check_err 1 "got $ip, not the address pinned to $2 ($3)"
		lease_check "$ip" "$2"
	else
		check_err 1 "no address by DHCP with client identifier $2"
	fi
	log_test "client identifier $1 ($2): the pinned address $3"
}

# networkd_run [CLIENT_ID_SETTING]: NetworkManager let go of $IB_A; run
# systemd-networkd on it with DHCP=ipv4 and, when given, ClientIdentifier=
# (left running: $ND_PID); fails when no address comes within 60 s.
networkd_run()
{
	local conf=/run/systemd/network/50-ipoib-selftest.network

	networkd_stop
	ip addr flush dev "$IB_A"
	mkdir -p /run/systemd/network /run/systemd/netif
	chown systemd-network: /run/systemd/netif 2>/dev/null
	printf '[Match]\nName=%s\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
		"$IB_A" >"$conf"
	[ -z "${1:-}" ] || printf '[DHCPv4]\nClientIdentifier=%s\n' "$1" >>"$conf"
	"$NETWORKD" >>"$DH/networkd.log" 2>&1 &
	ND_PID=$!
	wait_for 60 a_dhcp_addr >/dev/null
}

networkd_stop()
{
	[ -n "$ND_PID" ] || return 0
	bg_stop "$ND_PID"
	ND_PID=
}

networkd_cleanup()
{
	networkd_stop
	rm -rf /run/systemd/network/50-ipoib-selftest.network /run/systemd/netif
}

test_networkd()
{
	local ip

	nmcli connection delete "$PROF" >/dev/null 2>&1
	nm_stop
	if [ ! -x "$NETWORKD" ]; then
		log_test_skip "systemd-networkd's DHCP client" "no $NETWORKD (package systemd)"
		return
	fi
	if networkd_run && ip=$(a_dhcp_addr); then
		in_range "$ip" || check_err 1 "got $ip, outside the range"
		lease_check "$ip" "ff:[0-9a-f:]+"
	else
		check_err 1 "no address by DHCP ($(tail -n 3 "$DH/networkd.log"))"
	fi
	log_test "systemd-networkd's DHCP client: ${ip:-no address}, lease keyed by its DUID"
}

test_networkd_mac()
{
	local ip

	if [ ! -x "$NETWORKD" ]; then
		log_test_skip "systemd-networkd ClientIdentifier=mac" "no $NETWORKD (package systemd)"
		return
	fi
	if networkd_run mac && ip=$(a_dhcp_addr); then
		[ "$ip" = "$NM_ADDR" ] ||
			check_err 1 "got $ip, not NetworkManager's address for the same identifier (${NM_ADDR:-none})"
		lease_check "$ip" "20:$GUID"
	else
		check_err 1 "no address by DHCP ($(tail -n 3 "$DH/networkd.log"))"
	fi
	networkd_stop
	log_test "systemd-networkd ClientIdentifier=mac: NetworkManager's lease again (${ip:-no address})"
}

load_softib
load_ipoib
setup_ns "$NS_B" || fail_all "cannot create namespace $NS_B" "topology"
IB_B=$(ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B") ||
	fail_all "no IPoIB device for softib1 port 1 in ns $NS_B" "topology"
wait_for 20 ipoib_netdev softib0 1 >/dev/null || fail_all "no IPoIB device for softib0 port 1" "topology"
IB_A=$(ipoib_netdev softib0 1)
wait_for 30 has_carrier "$NS_B" "$IB_B" || fail_all "$IB_B in ns $NS_B has no carrier" "topology"
server_start
sysd_start
nm_start
defer networkd_cleanup
defer nmcli connection delete "$PROF"
log_info "topology: $IB_A (DHCP clients) <-> $NS_B/$IB_B (dnsmasq, $IPOIB ib_ipoib)"

test_nm_default
test_pinned "FlexBoot (0xff, IAID 0, DUID-EN 0x2c9, GUID)" "$FLEX_ID" "$FLEX_IP"
test_pinned "type 32 + 20-byte address" "$HW_ID" "$HW_IP"
test_networkd
test_networkd_mac
