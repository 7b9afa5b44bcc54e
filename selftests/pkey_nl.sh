#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# P_Key child interfaces through rtnetlink (link kind "ipoib"; the sysfs
# side is pkey.sh):
#   - ip link add link PARENT name NAME type ipoib pkey P umcast 1: ip -d link
#     show prints "ipoib pkey P mode datagram umcast 0001"; ip link set ...
#     type ipoib umcast / mode change it; without pkey the child takes the
#     parent's P_Key; two children may share a P_Key; no name gives ipoib%d
#   - bad requests (sent straight over rtnetlink by rtnl_ipoib, for the
#     errno): no link, a link that is not IPoIB, a child as link, P_Key 0 and
#     0x8000, mode 7: each fails and creates nothing; the P_Key of a link does
#     not change; ip link del of a parent leaves it; delete_child does not
#     delete a netlink child
#   - traffic between netlink children of partition 0x8002 on both sides
#   - SR-IOV VF settings on an HCA without VFs (softib's default): ip link
#     set DEV vf 0 state / node_guid fail with EOPNOTSUPP
#   - namespaces: a child moved to another namespace passes traffic there and
#     comes back to the initial namespace when that namespace is deleted; a
#     parent moved to another namespace keeps its children working
#
#   ns a                          ns b
#   $IB_A       192.0.2.1         $IB_B       192.0.2.2
#   $IB_A.8002  192.0.4.1         $IB_B.8002  192.0.4.2
#   ($IB_A.8002 later in ns nlc, $IB_A later in ns nlp)
#   softib0/softib1 port 1 P_Key tables: 0xffff +0x8002
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature pkey-child
require_cmd ping python3

NL_PKEY=0x8002
N4_A=192.0.4.1
N4_B=192.0.4.2
NS_C=nlc
NS_P=nlp
CA=
CB=

# rtnl_ipoib NS REQUEST...: RTM_NEWLINK requests for link kind ipoib, sent
# straight over rtnetlink from NS by one process: iproute2 refuses some
# values itself (mode 7) and prints a driver's extended-ack message instead
# of the errno.  REQUEST is "add NAME LINK|- [pkey=N] [mode=N] [umcast=N]"
# ("-": no IFLA_LINK) or "set NAME [pkey=N] [mode=N] [umcast=N]"; prints
# "NAME|ok" or "NAME|<errno text>" for each.
rtnl_ipoib()
{
	local ns=$1

	shift
	ip netns exec "$ns" python3 - "$@" <<'PYEOF'
import os, socket, struct, sys

def nla(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * (-n % 4)

def request(s, seq, op, name, args):
    link = args.pop(0) if op == "add" else "-"
    data = b""
    for kv in args:
        k, v = kv.split("=")
        data += nla({"pkey": 1, "mode": 2, "umcast": 3}[k], struct.pack("=H", int(v, 0)))
    info = nla(1, b"ipoib\0") + (nla(2, data) if data else b"")    # IFLA_INFO_KIND, _DATA
    attrs = nla(18, info)                                           # IFLA_LINKINFO
    flags, index = 0x1 | 0x4, 0                                     # NLM_F_REQUEST | NLM_F_ACK
    try:
        if op == "add":
            flags |= 0x400 | 0x200                                  # NLM_F_CREATE | NLM_F_EXCL
            attrs += nla(3, name.encode() + b"\0")                  # IFLA_IFNAME
            if link != "-":
                attrs += nla(5, struct.pack("=I", socket.if_nametoindex(link)))  # IFLA_LINK
        else:
            index = socket.if_nametoindex(name)
    except OSError as e:
        return "no device (%s)" % e
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0) + attrs
    s.send(struct.pack("=IHHII", 16 + len(body), 16, flags, seq, 0) + body)  # RTM_NEWLINK
    while True:
        r = s.recv(65536)
        off = 0
        while off + 16 <= len(r):
            n, kind, _, rseq = struct.unpack_from("=IHHI", r, off)
            if kind == 2 and rseq == seq:                           # NLMSG_ERROR
                err = struct.unpack_from("=i", r, off + 16)[0]
                return os.strerror(-err) if err else "ok"
            off += (n + 3) & ~3

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.bind((0, 0))
for seq, req in enumerate(sys.argv[1:], 1):
    w = req.split()
    print("%s|%s" % (w[1], request(s, seq, w[0], w[1], w[2:])))
PYEOF
}

# nl_info NS DEV: "PKEY MODE UMCAST" from ip -d link show's ipoib line.
nl_info()
{
	local out

	out=$(ip -n "$1" -d link show dev "$2" 2>/dev/null) || return 1
	[[ "$out" =~ ipoib\ +pkey\ +(0x[0-9a-f]+)\ +mode\ +([a-z]+)\ +umcast\ +([0-9a-f]+) ]] || return 1
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
}

all_ns()
{
	echo "$NS_A $NS_B $NS_C $NS_P"
}

# link_gone DEV: no namespace of the test has DEV.
link_gone()
{
	# shellcheck disable=SC2046	# one word per namespace
	! link_ns "$1" $(all_ns) "" >/dev/null
}

# links: the links of ns a and of the initial namespace ("a:NAME" /
# "init:NAME" lines), read with shell builtins.
links()
{
	local -a i
	local d

	i=(/sys/class/net/*)
	# shellcheck disable=SC2016	# expanded by the inner bash
	in_ns "$NS_A" bash -c 'for d in /sys/class/net/*; do echo "a:${d##*/}"; done'
	for d in "${i[@]}"; do
		echo "init:${d##*/}"
	done
}

# links_diff BEFORE AFTER: " +NAME" for each link in AFTER only (deleted, so
# that a failing case leaves nothing behind), " -NAME" for each in BEFORE only.
links_diff()
{
	local l ns

	[ "$1" != "$2" ] || return 0
	for l in $2; do
		[[ $'\n'"$1"$'\n' == *$'\n'"$l"$'\n'* ]] && continue
		printf ' +%s' "${l#*:}"
		ns=${l%%:*}
		[ "$ns" = init ] && ns=
		ip ${ns:+-n "$ns"} link del dev "${l#*:}" 2>/dev/null
	done
	for l in $1; do
		[[ $'\n'"$2"$'\n' == *$'\n'"$l"$'\n'* ]] || printf ' -%s' "${l#*:}"
	done
}

# Cleanup: the links the test made, deleted wherever they are (one process
# per namespace that has one).  Only names that exist go to ip: a name it
# cannot resolve over netlink it tries through an ioctl, and the kernel
# starts modprobe (netdev-NAME) for it, twice.
NL_LINKS=()

track()
{
	NL_LINKS+=("$@")
}

cleanup_links()
{
	local ns l dels

	[ ${#NL_LINKS[@]} -gt 0 ] || return 0
	for ns in "$NS_A" "$NS_B" "$NS_C" "$NS_P" ""; do
		dels=()
		for l in "${NL_LINKS[@]}"; do
			if [ -n "$ns" ]; then
				ns_has_dev "$ns" "$l" || continue
			else
				[ -e "/sys/class/net/$l" ] || continue
			fi
			dels+=("link del dev $l")
		done
		[ ${#dels[@]} -gt 0 ] || continue
		printf '%s\n' "${dels[@]}" | ip -force ${ns:+-n "$ns"} -batch - 2>/dev/null
	done
	return 0
}

# ---------------------------------------------------------------- creation

test_nl_add()
{
	local out addrs a b p

	CA=$IB_A.8002
	ip -n "$NS_A" link add link "$IB_A" name "$CA" type ipoib pkey "$NL_PKEY" umcast 1
	check_err $? "ip link add link $IB_A name $CA type ipoib pkey $NL_PKEY umcast 1 failed"
	track "$CA"
	out=$(ip -n "$NS_A" -d link show dev "$CA" 2>&1)
	[[ "$out" =~ ^[0-9]+:\ $CA@$IB_A: ]]
	check_err $? "ip link shows '${out%%>*}>', expected $CA@$IB_A"
	[[ "$out" =~ ipoib\ +pkey\ +0x8002\ +mode\ +datagram\ +umcast\ +0001 ]]
	check_err $? "ip -d link show $CA: ${out//$'\n'/ }"
	log_test "ip link add type ipoib pkey $NL_PKEY umcast 1: ip -d link show prints it"

	# shellcheck disable=SC2016	# expanded by the inner bash
	addrs=$(in_ns "$NS_A" bash -c 'read -r a <"/sys/class/net/$1/address"; read -r b <"/sys/class/net/$1/broadcast"
		read -r p <"/sys/class/net/$2/address"; echo "$a $b $p"' _ "$CA" "$IB_A")
	read -r a b p <<<"$addrs"
	[ "${b:24:5}" = 80:02 ] && [ ${#a} = 59 ] && [ "${a:12}" = "${p:12}" ] && [ "${a:3:8}" != "${p:3:8}" ]
	check_err $? "$CA: address $a broadcast $b (parent $p): expected the parent's GID, its own QPN, P_Key 80:02 in the broadcast address"
	log_test "netlink child addresses: the parent's GID, its own QPN, the P_Key in the broadcast address"

	ip -n "$NS_A" link set dev "$CA" type ipoib umcast 0
	check_err $? "ip link set $CA type ipoib umcast 0 failed"
	out=$(nl_info "$NS_A" "$CA")
	[ "$out" = "0x8002 datagram 0000" ]
	check_err $? "after umcast 0: '$out'"
	log_test "ip link set type ipoib umcast 0"

	if require_feature connected "ip link set type ipoib mode connected / datagram"; then
		ip -n "$NS_A" link set dev "$CA" type ipoib mode connected
		check_err $? "ip link set $CA type ipoib mode connected failed"
		out=$(nl_info "$NS_A" "$CA")
		[ "$out" = "0x8002 connected 0000" ]
		check_err $? "after mode connected: '$out'"
		ip -n "$NS_A" link set dev "$CA" type ipoib mode datagram
		check_err $? "ip link set $CA type ipoib mode datagram failed"
		out=$(nl_info "$NS_A" "$CA")
		[ "$out" = "0x8002 datagram 0000" ]
		check_err $? "after mode datagram: '$out'"
		log_test "ip link set type ipoib mode connected / datagram"
	fi
}

test_nl_defaults()
{
	local ppk out before after n new=

	ppk=$(nl_info "$NS_A" "$IB_A")
	ppk=${ppk%% *}
	ip -n "$NS_A" link add link "$IB_A" name nl_nopk type ipoib
	check_err $? "ip link add type ipoib without pkey failed"
	track nl_nopk
	out=$(nl_info "$NS_A" nl_nopk)
	[ -n "$ppk" ] && [ "${out%% *}" = "$ppk" ]
	check_err $? "nl_nopk: '$out', expected the parent's P_Key '$ppk'"
	log_test "without pkey the child takes its parent's P_Key"

	ip -n "$NS_A" link add link "$IB_A" name nl_dup type ipoib pkey "$NL_PKEY"
	check_err $? "a second child for $NL_PKEY (nl_dup) refused"
	track nl_dup
	[ "$(nl_info "$NS_A" nl_dup)" = "0x8002 datagram 0000" ] && [ -n "$(nl_info "$NS_A" "$CA")" ]
	(($? == 0)) || check_err 1 "nl_dup: '$(nl_info "$NS_A" nl_dup)', $CA: '$(nl_info "$NS_A" "$CA")'"
	log_test "two children with the same P_Key and different names"

	before=$(ip -n "$NS_A" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
	ip -n "$NS_A" link add link "$IB_A" type ipoib pkey 0x8003
	check_err $? "ip link add link $IB_A type ipoib pkey 0x8003 (no name) failed"
	after=$(ip -n "$NS_A" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
	for n in $after; do
		[[ $'\n'"$before"$'\n' == *$'\n'"$n"$'\n'* ]] || new+="$n "
	done
	new=${new% }
	for n in $new; do
		track "$n"
	done
	[[ "$new" =~ ^ipoib[0-9]+$ ]] && [ "$(nl_info "$NS_A" "$new")" = "0x8003 datagram 0000" ]
	(($? == 0)) || check_err 1 "new link(s) '$new' ($(nl_info "$NS_A" "$new")), expected one ipoib<N> with P_Key 0x8003"
	log_test "no name: the child is named ipoib%d"

	for n in nl_nopk nl_dup $new; do
		ip -n "$NS_A" link del dev "$n"
		check_err $? "ip link del $n failed"
		! link_ns "$n" "$NS_A" "" >/dev/null
		check_err $? "$n still exists after ip link del"
	done
	log_test "ip link del of netlink children"
}

# ---------------------------------------------------------------- bad input

# bad_case NAME ERRNO_TEXTS: the request for link NAME in RES failed with one
# of ERRNO_TEXTS ("|" between them) and created nothing; no link went away.
bad_case()
{
	local name=$1 want=$2 err=${RES[$1]}

	[ "$err" != ok ]
	check_err $? "the request for $name succeeded"
	[ -n "$err" ]
	check_err $? "no answer to the request for $name"
	[[ "|$want|" == *"|$err|"* ]] || [ "$RET" != 0 ]
	check_err $? "request for $name: '$err', expected '${want//|/"' or '"}'"
	[[ "$CHG " != *" +$name "* ]]
	check_err $? "the request created $name"
	[[ "$CHG" != *" -"* ]]
	check_err $? "links went away:$CHG"
}

declare -A RES
CHG=

test_nl_bad()
{
	local notib=nl_d0 before out name err

	if modprobe dummy 2>/dev/null && ip -n "$NS_A" link add "$notib" type dummy; then
		track "$notib"
	else
		notib=lo
	fi
	# Control: the same helper's valid request makes the link it asks for.
	out=$(rtnl_ipoib "$NS_A" "add nl_good $IB_A pkey=0x8004 mode=0 umcast=1")
	track nl_good
	[ "$out" = "nl_good|ok" ] && [ "$(nl_info "$NS_A" nl_good)" = "0x8004 datagram 0001" ]
	(($? == 0)) || check_err 1 "rtnl_ipoib add nl_good pkey=0x8004 mode=0 umcast=1: '$out', ip -d link: '$(nl_info "$NS_A" nl_good)'"
	ip -n "$NS_A" link del dev nl_good 2>/dev/null
	log_test "raw rtnetlink request (pkey 0x8004, mode 0, umcast 1) creates the link (control)"

	before=$(links)
	out=$(rtnl_ipoib "$NS_A" "add nl_bad1 -" "add nl_bad2 $notib pkey=$NL_PKEY" \
		"add nl_bad3 lo pkey=$NL_PKEY" "add nl_bad4 $CA pkey=0x8004" \
		"add nl_bad5 $IB_A pkey=0" "add nl_bad6 $IB_A pkey=0x8000" "add nl_bad7 $IB_A mode=7")
	CHG=$(links_diff "$before" "$(links)")
	while IFS='|' read -r name err; do
		RES[$name]=$err
	done <<<"$out"

	bad_case nl_bad1 "Invalid argument"
	log_test "no link: EINVAL, nothing created"
	bad_case nl_bad2 "No such device|Invalid argument"
	bad_case nl_bad3 "No such device|Invalid argument"
	log_test "link is not IPoIB ($notib, lo): ENODEV or EINVAL, nothing created"
	bad_case nl_bad4 "Invalid argument"
	log_test "link is a child: EINVAL, nothing created"
	bad_case nl_bad5 "Invalid argument"
	bad_case nl_bad6 "Invalid argument"
	log_test "pkey 0 and 0x8000: EINVAL, nothing created"
	# iproute2 refuses it itself: "mode" must be "datagram" or "connected"
	bad_case nl_bad7 "Invalid argument"
	log_test "mode 7: EINVAL, nothing created"
}

test_nl_pkey_change()
{
	local out rc

	out=$(ip -n "$NS_A" link set dev "$CA" type ipoib pkey 0x8005 2>&1)
	rc=$?
	log_info "ip link set $CA type ipoib pkey 0x8005: rc $rc${out:+, $out}"
	[ "$(nl_info "$NS_A" "$CA")" = "0x8002 datagram 0000" ]
	(($? == 0)) || check_err 1 "$CA after changing its P_Key: '$(nl_info "$NS_A" "$CA")'"
	log_test "the P_Key of an existing link does not change"

	xfail_reference "§1.3 PKEY ignored: the change is accepted and ignored"
	check_fail $rc "ip link set $CA type ipoib pkey 0x8005 succeeded"
	log_test "changing the P_Key of an existing link is refused"
}

test_nl_parent_del()
{
	ip -n "$NS_A" link del dev "$IB_A" 2>/dev/null
	link_ns "$IB_A" "$NS_A" >/dev/null
	check_err $? "ip link del $IB_A deleted the parent"
	link_ns "$CA" "$NS_A" >/dev/null
	check_err $? "ip link del $IB_A deleted its child $CA"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "$IB_A stopped passing traffic"
	log_test "ip link del of the parent leaves it and its children in place"
}

test_nl_delete_child()
{
	local err

	err=$(ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" "$NL_PKEY")
	check_fail $? "delete_child $NL_PKEY succeeded on a netlink child"
	[ "$err" = "No such device" ] || [ "$RET" != 0 ]
	check_err $? "delete_child $NL_PKEY: '$err', expected 'No such device'"
	link_ns "$CA" "$NS_A" >/dev/null
	check_err $? "$CA is gone"
	log_test "delete_child does not delete a netlink child (ENODEV)"
}

# ---------------------------------------------------------------- traffic

test_nl_traffic()
{
	CB=$IB_B.8002
	ip -n "$NS_B" link add link "$IB_B" name "$CB" type ipoib pkey "$NL_PKEY"
	check_err $? "ip link add $CB failed"
	track "$CB"
	ip -n "$NS_A" addr add "$N4_A/24" dev "$CA" && ip -n "$NS_A" link set dev "$CA" up &&
		ip -n "$NS_B" addr add "$N4_B/24" dev "$CB" && ip -n "$NS_B" link set dev "$CB" up
	check_err $? "cannot address $CA / $CB"
	wait_for 30 has_carrier "$NS_A" "$CA" && wait_for 30 has_carrier "$NS_B" "$CB"
	check_err $? "no carrier on $CA / $CB"
	wait_ping "$NS_A" "$N4_B" 10 && ping_ok "$NS_A" "$N4_B"
	check_err $? "no ping between $CA and $CB"
	log_test "netlink children of partition $NL_PKEY on both sides ping each other"
}

# ---------------------------------------------------------------- namespaces

test_nl_child_netns()
{
	local ns

	setup_ns "$NS_C"
	ip -n "$NS_A" link set dev "$CA" netns "$NS_C" &&
		ip -n "$NS_C" addr add "$N4_A/24" dev "$CA" && ip -n "$NS_C" link set dev "$CA" up
	check_err $? "cannot move $CA to ns $NS_C and address it"
	wait_for 30 has_carrier "$NS_C" "$CA"
	check_err $? "$CA has no carrier in ns $NS_C"
	wait_ping "$NS_C" "$N4_B" 10
	check_err $? "no ping over $CA from ns $NS_C"
	log_test "a child moved to another namespace passes traffic there"

	ns_del "$NS_C"
	ns=$(wait_for 10 link_ns "$CA" "")
	(($? == 0)) || check_err 1 "$CA is not in the initial namespace after ns $NS_C was deleted (in: '$(link_ns "$CA" "$NS_A" "$NS_B")')"
	[ "$RET" = 0 ] && ! link_ns "$CA" "$NS_A" "$NS_B" >/dev/null
	check_err $? "$CA is in ns a or b as well"
	ip ${ns:+-n "$ns"} link del dev "$CA" 2>/dev/null
	link_gone "$CA"
	check_err $? "cannot delete $CA"
	log_test "deleting that namespace returns the child to the initial namespace"
}

test_nl_parent_netns()
{
	ip -n "$NS_A" link add link "$IB_A" name "$CA" type ipoib pkey "$NL_PKEY" &&
		ip -n "$NS_A" addr add "$N4_A/24" dev "$CA" && ip -n "$NS_A" link set dev "$CA" up
	check_err $? "cannot create $CA again"
	wait_ping "$NS_A" "$N4_B" 20
	check_err $? "no ping over the new $CA"
	if [ "$RET" = 0 ]; then
		setup_ns "$NS_P"
		ip -n "$NS_A" link set dev "$IB_A" netns "$NS_P" && ip -n "$NS_P" link set dev "$IB_A" up
		check_err $? "cannot move $IB_A to ns $NS_P"
		wait_for 30 has_carrier "$NS_P" "$IB_A"
		check_err $? "$IB_A has no carrier in ns $NS_P"
		wait_ping "$NS_A" "$N4_B" 20
		check_err $? "no ping over $CA (ns $NS_A) with its parent in ns $NS_P"
	fi
	log_test "a parent moved to another namespace keeps its children working"

	if link_ns "$IB_A" "$NS_P" >/dev/null; then
		ip -n "$NS_P" link set dev "$IB_A" netns "$NS_A" &&
			ip -n "$NS_A" addr add "$IP4_A/24" dev "$IB_A" &&
			ip -n "$NS_A" -6 addr add "$IP6_A/64" dev "$IB_A" nodad &&
			ip -n "$NS_A" link set dev "$IB_A" up
		check_err $? "cannot move $IB_A back to ns $NS_A"
		wait_ping "$NS_A" "$IP4_B" 20 && wait_ping "$NS_A" "$N4_B" 10
		check_err $? "no ping over $IB_A / $CA once $IB_A is back in ns $NS_A"
		log_test "the parent moved back: it and its child pass traffic"
	fi
}

# An HCA without VFs refuses VF settings; the message names the reason.
test_nl_vf_unsupported()
{
	local what out

	for what in "state enable" "node_guid 00:11:22:33:44:55:66:77"; do
		# shellcheck disable=SC2086	# the words of the setting
		out=$(ip -n "$NS_A" link set dev "$IB_A" vf 0 $what 2>&1)
		check_fail $? "ip link set $IB_A vf 0 $what succeeded on an HCA without VFs"
		[[ $out == *"Operation not supported"* ]]
		check_err $? "vf 0 $what: '$out', expected EOPNOTSUPP"
	done
	log_test "vf settings on an HCA without VFs: EOPNOTSUPP"
}

# shellcheck disable=SC2119	# no softib parameters
ib_pair_setup
sib_pkey_add "$NL_PKEY" softib0 softib1
defer cleanup_links

test_nl_add
test_nl_defaults
test_nl_bad
test_nl_pkey_change
test_nl_parent_del
test_nl_delete_child
test_nl_traffic
test_nl_vf_unsupported
test_nl_child_netns
test_nl_parent_netns
