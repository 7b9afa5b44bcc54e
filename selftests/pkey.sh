#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# P_Key child interfaces made through the parent's sysfs files create_child
# and delete_child (the rtnetlink side is pkey_nl.sh):
#   - a child for P_Key 0x8001 on both sides: name, sysfs attributes,
#     addresses; no carrier and no traffic while the ports lack the P_Key;
#     once softib puts 0x8001 into both ports' P_Key tables the children come
#     up, join the partition's broadcast group and ping each other
#   - create_child / delete_child input: malformed values (EINVAL), a
#     partition that has an interface already (ENOTUNIQ), an unknown one
#     (ENODEV), values without the full-member bit, a long parent name
#   - the P_Key leaving and re-entering the port's table (carrier follows
#     without down/up), or appearing at index 0 (softib0 port 2, whose
#     default P_Key is taken out)
#   - isolation: partition 0x8001 does not reach 0x8002, neither by ARP nor
#     by a static neighbour (softib drops the packets on its P_Key check)
#   - the parent's down/up takes its child down/up
#   - lifetime: ip link del of a child under a ping flood through it, 50
#     create/delete cycles under traffic on the parent, softib1/replace
#
#   ns a                          ns b                          ns c
#   $IB_A       192.0.2.1         $IB_B       192.0.2.2         $IB_B.8002 192.0.3.3
#   $IB_A.8001  192.0.3.1         $IB_B.8001  192.0.3.2
#        | softib0 port 1              | softib1 port 1         ns d
#        |  pkeys 0xffff +0x8001       |  pkeys 0xffff +0x8001  $P2        (softib0 port 2)
#        |        +0x8002              |        +0x8002         $P2.8001   192.0.3.4
#        +========== softib fabric ====+========================+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_feature pkey-child
require_cmd ping

PKEY=0x8001
PKEY2=0x8002
C4_A=192.0.3.1
C4_B=192.0.3.2
C4_C=192.0.3.3
C4_D=192.0.3.4
NS_C=c
NS_D=d
MGID_BC=ff12:401b:8001:0000:0000:0000:ffff:ffff
P2=		# softib0 port 2's IPoIB device (initial namespace, then ns d)
KA=		# P_Key table knobs: softib0 port 1, softib1 port 1, softib0 port 2
KB=
K2=

# child_name PARENT VALUE: the name create_child gives: the parent's name
# (10 characters at most), a dot, VALUE as written in 4 hex digits.
child_name()
{
	printf '%.10s.%04x' "$1" "$2"
}

# at NS CMD...: CMD in namespace NS, or in the initial one for NS "".
at()
{
	local ns=$1

	shift
	if [ -n "$ns" ]; then
		"${NSEXEC[@]}" "$ns" "$@"
	else
		"$@"
	fi
}

# attr NS DEV NAME: /sys/class/net/DEV/NAME as seen from NS.
attr()
{
	at "$1" cat "/sys/class/net/$2/$3" 2>/dev/null
}

all_ns()
{
	echo "$NS_A $NS_B $NS_C $NS_D"
}

# link_gone DEV: no namespace of the test has DEV.
link_gone()
{
	# shellcheck disable=SC2046	# one word per namespace
	! link_ns "$1" $(all_ns) "" >/dev/null
}

# del_link DEV: delete DEV wherever it is (cleanup).
del_link()
{
	local ns

	# shellcheck disable=SC2046
	ns=$(link_ns "$1" $(all_ns) "") && ip ${ns:+-n "$ns"} link del dev "$1"
}

# is_up NS DEV: DEV is administratively up (IFF_UP).
is_up()
{
	local f

	if ns_view "$1"; then
		ns_file "$1" "/sys/class/net/$2/flags" f && ((f & 1))
		return $?
	fi
	ip -n "$1" link show dev "$2" 2>/dev/null | grep -Eq '^[0-9]+: [^ ]+: <([^>]*,)?UP[,>]'
}

is_down()
{
	ns_has_dev "$1" "$2" && ! is_up "$1" "$2"
}

# Processes are dear in the guest (some 60 ms each): the helpers below read
# sysfs with shell builtins, one process per namespace.

# sysread NS PATH...: print "PATH=value" for each /sys/class/net/PATH as seen
# from NS ("" = the initial namespace), read by one process.
sysread()
{
	local ns=$1

	shift
	# shellcheck disable=SC2016	# expanded by the inner bash
	at "$ns" bash -c 'for p; do v=; read -r v <"/sys/class/net/$p"; echo "$p=$v"; done 2>/dev/null' _ "$@"
}

# diff_links NS BEFORE AFTER: "+NS:NAME" / "-NS:NAME" for each link in
# AFTER and not in BEFORE / the other way round (lists of sysfs paths).
diff_links()
{
	local ns=$1 b=" $2 " a=" $3 " x

	for x in $3; do
		[[ "$b" == *" $x "* ]] || echo "+$ns:${x##*/}"
	done
	for x in $2; do
		[[ "$a" == *" $x "* ]] || echo "-$ns:${x##*/}"
	done
}

# write_bad FILE ERRNO_TEXT VALUE...: `echo VALUE > $IB_A/FILE` fails with
# ERRNO_TEXT for each VALUE (one process writes them all), and the links of
# ns a and of the initial namespace (where $IB_A's children appear) are as
# they were; a link that appeared is deleted, so that a failing case leaves
# nothing behind.
write_bad()
{
	local file=$1 want=$2 out v err chg l ns la lb
	local -a i0 i1

	shift 2
	i0=(/sys/class/net/*)
	# shellcheck disable=SC2016	# expanded by the inner bash
	out=$(in_ns "$NS_A" bash -c '
		f=$1
		shift
		b=(/sys/class/net/*)
		for v; do
			if err=$( { echo "$v" >"$f"; } 2>&1); then
				echo "$v|ok"
			else
				echo "$v|${err##*: }"
			fi
		done
		a=(/sys/class/net/*)
		echo "#b ${b[*]}"
		echo "#a ${a[*]}"' _ "/sys/class/net/$IB_A/$file" "$@")
	i1=(/sys/class/net/*)
	while IFS='|' read -r v err; do
		case "$v" in
		"#b "*) lb=${v#\#b }; continue ;;
		"#a "*) la=${v#\#a }; continue ;;
		esac
		case "$err" in
		ok) check_err 1 "echo '$v' > $file succeeded" ;;
		*"$want"*) ;;
		*) check_err 1 "echo '$v' > $file: '$err', expected '$want'" ;;
		esac
	done <<<"$out"
	chg=$(diff_links "$NS_A" "$lb" "$la"; diff_links init "${i0[*]}" "${i1[*]}")
	for l in $chg; do
		[ "${l:0:1}" = + ] || continue
		l=${l:1}
		ns=${l%%:*}
		[ "$ns" = init ] && ns=
		ip ${ns:+-n "$ns"} link del dev "${l#*:}" 2>/dev/null
	done
	[ -z "$chg" ]
	check_err $? "echo $* > $file changed the links: ${chg//$'\n'/ }"
}

# make_child NS PARENT ADDR [PKEY [CHILD_NS]]: create PARENT's child for PKEY
# through create_child (PARENT in NS), move it to CHILD_NS (default NS) if it
# is elsewhere (it may be created in the initial namespace), address it and
# bring it up.
make_child()
{
	local ns=$1 parent=$2 addr=$3 pkey=${4:-$PKEY} cns=${5:-$1} child from

	child=$(child_name "$parent" "$pkey")
	ns_sysfs_write "$ns" "/sys/class/net/$parent/create_child" "$pkey" || return 1
	defer ns_sysfs_write "$ns" "/sys/class/net/$parent/delete_child" "$pkey"
	from=$(wait_for 5 link_ns "$child" "$ns" "") || return 1
	if [ "$from" != "$cns" ]; then
		ip ${from:+-n "$from"} link set dev "$child" netns "$cns" || return 1
	fi
	ip -n "$cns" addr add "$addr/24" dev "$child" || return 1
	ip -n "$cns" link set dev "$child" up
}

# pkey_drops IBDEV PORT: softib's count of packets dropped on the P_Key check.
pkey_drops()
{
	awk '$1 == "drop_pkey" { print $2 }' "$(sib_port_knob "$1" "$2" counters)"
}

# no_ping NS ADDR: two echo requests, none answered.
no_ping()
{
	! in_ns "$1" ping -q -c 2 -i 0.3 -W 1 "$2" >/dev/null 2>&1
}

# ---------------------------------------------------------------- creation

CHILDREN_UP=

# The children $IB_A.8001 (ns a), $IB_B.8001 (ns b), $IB_B.8002 (ns c).
test_children_created()
{
	local ca=$IB_A.8001 f k v addr paddr bc pbc info
	local -A at

	setup_ns "$NS_C"
	make_child "$NS_A" "$IB_A" "$C4_A"
	check_err $? "cannot create child $ca"
	make_child "$NS_B" "$IB_B" "$C4_B"
	check_err $? "cannot create child $IB_B.8001"
	make_child "$NS_B" "$IB_B" "$C4_C" "$PKEY2" "$NS_C"
	check_err $? "cannot create child $IB_B.8002 in ns $NS_C"
	CHILDREN_UP=$SECONDS
	log_test "P_Key children created"

	while IFS='=' read -r k v; do
		at[$k]=$v
	done < <(sysread "$NS_A" "$ca/pkey" "$ca/parent" "$ca/mode" "$ca/umcast" \
		"$ca/address" "$ca/broadcast" "$IB_A/address" "$IB_A/broadcast")
	for f in "pkey=0x8001" "parent=$IB_A" "mode=datagram" "umcast=0"; do
		v=${at[$ca/${f%%=*}]}
		[ "$v" = "${f#*=}" ]
		check_err $? "$ca/${f%%=*} reads '$v', expected '${f#*=}'"
	done
	log_test "child sysfs: pkey 0x8001, parent $IB_A, mode datagram, umcast 0"

	info=$(ip -n "$NS_A" -d link show dev "$ca")
	[[ "$info" =~ ^[0-9]+:\ $ca@$IB_A: ]]
	check_err $? "ip link shows ${info%%>*}>, expected $ca@$IB_A"
	[[ "$info" =~ ipoib\ +pkey\ +0x8001\ +mode\ +datagram ]]
	check_err $? "ip -d link show $ca: ${info//$'\n'/ }"
	log_test "ip -d link show: $ca@$IB_A, ipoib pkey 0x8001 mode datagram"

	addr=${at[$ca/address]}
	paddr=${at[$IB_A/address]}
	bc=${at[$ca/broadcast]}
	pbc=${at[$IB_A/broadcast]}
	# xx:xx:... byte N starts at character 3 N
	[ "${bc:24:5}" = 80:01 ] && [ "${bc:0:24}${bc:29}" = "${pbc:0:24}${pbc:29}" ]
	check_err $? "broadcast address of $ca is $bc (parent: $pbc), expected P_Key 80:01 in bytes 8-9"
	[ ${#addr} = 59 ] && [ "${addr:12}" = "${paddr:12}" ]
	check_err $? "hardware address of $ca ($addr) does not carry the parent's GID ($paddr)"
	[ "${addr:3:8}" != "${paddr:3:8}" ]
	check_err $? "$ca has the parent's QPN ($addr, parent $paddr)"
	log_test "child addresses: broadcast with P_Key 0x8001, the parent's GID, its own QPN"
}

# No P_Key in the tables: no carrier, no traffic (bounded: the children have
# been up for 3 s; the sysfs input cases ran meanwhile).
test_no_carrier_before_pkey()
{
	local ca=$IB_A.8001 wait=$((CHILDREN_UP + 3 - SECONDS))

	[ "$wait" -le 0 ] || sleep "$wait"
	no_carrier "$NS_A" "$ca" && no_carrier "$NS_B" "$IB_B.8001" && no_carrier "$NS_C" "$IB_B.8002"
	check_err $? "a child has carrier although the ports lack its P_Key"
	is_up "$NS_A" "$ca" && is_up "$NS_B" "$IB_B.8001" && is_up "$NS_C" "$IB_B.8002"
	check_err $? "a child is not administratively up"
	no_ping "$NS_A" "$C4_B"
	check_err $? "ping over $ca works although the ports lack P_Key $PKEY"
	log_test "no carrier and no traffic before the P_Key is in the tables"
}

test_children_with_pkey()
{
	local gid_a gid_b

	sib_write "$KA" "+$PKEY" && sib_write "$KA" "+$PKEY2"
	check_err $? "cannot add $PKEY $PKEY2 to softib0 port 1"
	defer sib_write "$KA" "-$PKEY"
	defer sib_write "$KA" "-$PKEY2"
	sib_write "$KB" "+$PKEY" && sib_write "$KB" "+$PKEY2"
	check_err $? "cannot add $PKEY $PKEY2 to softib1 port 1"
	defer sib_write "$KB" "-$PKEY"
	defer sib_write "$KB" "-$PKEY2"

	wait_for 30 has_carrier "$NS_A" "$IB_A.8001"
	check_err $? "$IB_A.8001 got no carrier after the P_Key was added"
	wait_for 30 has_carrier "$NS_B" "$IB_B.8001"
	check_err $? "$IB_B.8001 got no carrier after the P_Key was added"
	wait_for 30 has_carrier "$NS_C" "$IB_B.8002"
	check_err $? "$IB_B.8002 got no carrier after $PKEY2 was added"
	wait_ping "$NS_A" "$C4_B" 10 && ping_ok "$NS_A" "$C4_B"
	check_err $? "no ping over the P_Key $PKEY children"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "the parent interfaces stopped passing traffic"
	log_test "children ping once their P_Keys are in both tables"

	if [ ! -r "$SIB_DBG/fabric/groups" ]; then
		log_test_skip "both children joined the partition's broadcast group" \
			"softib has no $SIB_DBG/fabric/groups"
		return
	fi
	gid_a=$(sib_gid softib0 1)
	gid_b=$(sib_gid softib1 1)
	sib_group_has_member "$MGID_BC" "$gid_a" 1 && sib_group_has_member "$MGID_BC" "$gid_b" 1
	(($? == 0)) || check_err 1 "both ports are not full members of $MGID_BC: $(sib_groups | grep "^$MGID_BC" || echo 'no group')"
	log_test "both children joined the partition's broadcast group"
}

# ---------------------------------------------------------------- sysfs input

test_create_bad()
{
	local v

	write_bad create_child "Invalid argument" abc "" 0 0x8000 0x10000 -1
	log_test "create_child: malformed or reserved values are EINVAL and create nothing"

	xfail_reference "sscanf %i takes '12zz' as 12"
	write_bad create_child "Invalid argument" 12zz
	log_test "create_child '12zz': EINVAL, nothing created"

	write_bad create_child "Name not unique on network" "$PKEY" 0xffff
	log_test "create_child of the child's P_Key again, or of the parent's 0xffff: ENOTUNIQ"

	xfail_reference "§8.1 normalisation: 0x0001 makes a second child of partition 0x8001"
	write_bad create_child "Name not unique on network" 0x0001
	log_test "create_child 0x0001 next to child 0x8001: ENOTUNIQ, nothing created"

	xfail_reference "§8.1 normalisation: 0x7fff makes a child of the parent's partition 0xffff"
	write_bad create_child "Name not unique on network" 0x7fff
	log_test "create_child 0x7fff (the parent's partition): ENOTUNIQ, nothing created"
}

test_delete_bad()
{
	write_bad delete_child "Invalid argument" abc 0x10000
	write_bad delete_child "No such device" 0x8009
	log_test "delete_child: malformed values EINVAL, unknown P_Key ENODEV; the child stays"

	in_ns "$NS_A" sh -c "test -e /sys/class/net/$IB_A.8001/pkey && ! test -e /sys/class/net/$IB_A.8001/create_child"
	check_err $? "$IB_A.8001 has a create_child file (or no pkey file)"
	log_test "a child has no create_child"
}

# A value without the full-member bit: the name as written, the P_Key with it.
test_create_short()
{
	local c ns err rc

	c=$(child_name "$IB_A" 5)
	ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/create_child" 5
	check_err $? "create_child 5 failed"
	defer del_link "$c"
	ns=$(wait_for 5 link_ns "$c" "$NS_A" "")
	check_err $? "no link $c after create_child 5"
	[ "$(attr "$ns" "$c" pkey)" = 0x8005 ] && [ "$(attr "$ns" "$c" parent)" = "$IB_A" ]
	(($? == 0)) || check_err 1 "$c: pkey '$(attr "$ns" "$c" pkey)' parent '$(attr "$ns" "$c" parent)', expected 0x8005 $IB_A"
	log_test "create_child 5: $c with P_Key 0x8005 (full-member bit set)"
	[ "$RET" = 0 ] || { log_test "delete_child 0x0005 deletes child 0x8005"; return; }

	xfail_reference "delete_child matches the value with the full-member bit only"
	err=$(ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" 0x0005)
	rc=$?
	check_err $rc "delete_child 0x0005: $err"
	[ $rc != 0 ] || wait_for 5 link_gone "$c"
	check_err $? "$c still exists after delete_child 0x0005"
	log_test "delete_child 0x0005 deletes child 0x8005"
	ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" 0x8005 >/dev/null
}

# The name keeps 10 characters of a long parent name (port 2's device, down).
test_long_parent_name()
{
	local long=ibparent0123456 c ns

	c=$(child_name "$long" "$PKEY")
	ip link set dev "$P2" name "$long"
	check_err $? "cannot rename $P2 to $long"
	if [ "$RET" = 0 ]; then
		ns_sysfs_write "" "/sys/class/net/$long/create_child" "$PKEY"
		check_err $? "create_child $PKEY on $long failed"
		ns=$(wait_for 5 link_ns "$c" "")
		(($? == 0)) || check_err 1 "no link $c: $(ip -br link | awk '{ print $1 }' | tr '\n' ' ')"
		[ "$(attr "$ns" "$c" parent)" = "$long" ]
		(($? == 0)) || check_err 1 "$c/parent reads '$(attr "$ns" "$c" parent)'"
		ns_sysfs_write "" "/sys/class/net/$long/delete_child" "$PKEY"
		check_err $? "delete_child $PKEY on $long failed"
		# the reference unregisters a sysfs child from a work item
		wait_for 5 link_gone "$c"
		check_err $? "$c still exists after delete_child"
		ip link set dev "$long" name "$P2"
	fi
	log_test "create_child on a 15-character parent: child $c"
}

# ---------------------------------------------------------------- dynamic P_Keys

test_pkey_flap()
{
	local ca=$IB_A.8001

	sib_write "$KA" "-$PKEY"
	check_err $? "cannot remove $PKEY from softib0 port 1"
	wait_for 10 no_carrier "$NS_A" "$ca"
	check_err $? "$ca kept its carrier after $PKEY left the port's table"
	is_up "$NS_A" "$ca"
	check_err $? "$ca is no longer administratively up"
	no_ping "$NS_A" "$C4_B"
	check_err $? "ping over $ca works without $PKEY in the port's table"
	log_test "P_Key removed from the port: the child loses carrier, traffic stops"

	sib_write "$KA" "+$PKEY"
	check_err $? "cannot add $PKEY back to softib0 port 1"
	wait_for 30 has_carrier "$NS_A" "$ca"
	check_err $? "$ca got no carrier back with $PKEY"
	wait_ping "$NS_A" "$C4_B" 10
	check_err $? "no ping over $ca once $PKEY is back"
	log_test "P_Key back in the table: carrier and traffic return without down/up"
}

# softib0 port 2: its child for 0x8001 exists while the table holds only
# 0xffff; 0xffff goes and 0x8001 takes index 0.
restore_port2()
{
	echo "-$PKEY" >"$K2"
	echo +0xffff >"$K2"
}

IDX0_ERR=	# why test_index0_start failed
IDX0_T=		# when it put the P_Key at index 0

# The rest of the tests run before the check (their time counts towards its
# bound; they do not touch port 2).
test_index0_start()
{
	local idx0

	if ! { setup_ns "$NS_D" && ip link set dev "$P2" netns "$NS_D" &&
		ip -n "$NS_D" link set dev "$P2" up; }; then
		IDX0_ERR="cannot move $P2 to ns $NS_D"
	elif ! make_child "$NS_D" "$P2" "$C4_D"; then
		IDX0_ERR="cannot create child $(child_name "$P2" "$PKEY")"
	else
		defer restore_port2
		if ! { sib_write "$K2" -0xffff && sib_write "$K2" "+$PKEY"; }; then
			IDX0_ERR="cannot replace 0xffff by $PKEY in softib0 port 2's table"
		fi
		IDX0_T=$SECONDS
		idx0=$(cat /sys/class/infiniband/softib0/ports/2/pkeys/0)
		[ "$idx0" = "$PKEY" ] || IDX0_ERR="softib0 port 2 P_Key index 0 is $idx0, expected $PKEY"
	fi
}

test_index0_check()
{
	local c left

	c=$(child_name "$P2" "$PKEY")
	if [ -n "$IDX0_ERR" ]; then
		check_err 1 "$IDX0_ERR"
	else
		xfail_reference "§8.14: a child whose P_Key appears at index 0 is not restarted"
		left=$((IDX0_T + 5 - SECONDS))
		wait_for $((left > 0 ? left : 1)) has_carrier "$NS_D" "$c"
		check_err $? "$c got no carrier within 5 s of its P_Key appearing at index 0"
		[ "$RET" = 0 ] && wait_ping "$NS_D" "$C4_B" 10
		check_err $? "no ping over $c with its P_Key at index 0"
	fi
	log_test "the child's P_Key appears at index 0: carrier and traffic"
}

# ---------------------------------------------------------------- isolation

test_isolation()
{
	local ca=$IB_A.8001 cc=$IB_B.8002 lladdr base p1 p2 r1 r2 r3

	no_ping "$NS_A" "$C4_C" &
	p1=$!
	no_ping "$NS_C" "$C4_A" &
	p2=$!
	ping_ok "$NS_A" "$C4_B"
	r3=$?
	wait "$p1"
	r1=$?
	wait "$p2"
	r2=$?
	check_err $r1 "$ca (partition $PKEY) reached $cc (partition $PKEY2)"
	check_err $r2 "$cc (partition $PKEY2) reached $ca (partition $PKEY)"
	check_err $r3 "$PKEY <-> $PKEY no longer pings"
	log_test "isolation: $PKEY does not reach $PKEY2 in the same subnet, $PKEY reaches $PKEY"

	# Around ARP: a's packets reach c's QP and fail softib's P_Key check.
	lladdr=$(attr "$NS_C" "$cc" address)
	ip -n "$NS_A" neigh replace "$C4_C" lladdr "$lladdr" dev "$ca" nud permanent
	check_err $? "cannot add a neighbour $C4_C lladdr $lladdr"
	base=$(pkey_drops softib1 1)
	no_ping "$NS_A" "$C4_C"
	check_err $? "$ca reached $cc through a static neighbour"
	[ "$(pkey_drops softib1 1)" -gt "$base" ]
	(($? == 0)) || check_err 1 "softib1 port 1 dropped nothing on the P_Key check (drop_pkey $base -> $(pkey_drops softib1 1)): were the packets sent?"
	ip -n "$NS_A" neigh del "$C4_C" dev "$ca"
	log_test "isolation: unicast to a $PKEY2 host (static neighbour) fails the P_Key check"
}

# ---------------------------------------------------------------- up/down

test_updown()
{
	local ca=$IB_A.8001

	ip -n "$NS_A" link set dev "$IB_A" down
	wait_for 5 is_down "$NS_A" "$ca"
	check_err $? "$ca is still up after its parent went down"
	log_test "parent down: its child goes down"

	ip -n "$NS_A" link set dev "$IB_A" up
	wait_for 5 is_up "$NS_A" "$ca"
	check_err $? "$ca did not come up with its parent"
	wait_for 30 has_carrier "$NS_A" "$IB_A" && wait_for 30 has_carrier "$NS_A" "$ca"
	check_err $? "no carrier on $IB_A / $ca after up"
	wait_ping "$NS_A" "$C4_B" 10 && wait_ping "$NS_A" "$IP4_B" 10
	check_err $? "no traffic over $ca / $IB_A after up"
	log_test "parent up: its child comes back up and passes traffic"
}

# ---------------------------------------------------------------- lifetime

test_del_under_flood()
{
	local ca=$IB_A.8001 out pid base err

	out=$(mktemp)
	defer rm -f "$out"
	base=$(ib_stat "$NS_A" "$ca" rx_packets)
	ip netns exec "$NS_A" ping -q -f -W 1 -w 30 "$C4_B" >"$out" 2>&1 &
	pid=$!
	defer bg_stop "$pid"
	wait_for 10 stat_delta_ge "$NS_A" "$ca" rx_packets "$base" 200
	check_err $? "the ping flood over $ca did not get going"
	ip -n "$NS_A" link del dev "$ca"
	check_err $? "ip link del $ca under a ping flood failed"
	link_gone "$ca"
	check_err $? "$ca still exists"
	bg_stop "$pid"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "the parent stopped passing traffic"
	log_test "ip link del of a sysfs child under a ping flood through it"

	err=$(ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" "$PKEY")
	check_fail $? "delete_child $PKEY succeeded after ip link del"
	[ "$err" = "No such device" ] || [ "$RET" != 0 ]
	check_err $? "delete_child $PKEY after ip link del: '$err', expected 'No such device'"
	ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/create_child" "$PKEY" &&
		wait_for 5 link_ns "$ca" "$NS_A" "" >/dev/null
	check_err $? "create_child $PKEY again failed"
	ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" "$PKEY" &&
		wait_for 5 link_gone "$ca"
	check_err $? "delete_child $PKEY of the new child failed"
	log_test "after ip link del: delete_child ENODEV, create_child/delete_child work again"
}

test_create_delete_cycles()
{
	local out pid err stats tx rx

	out=$(mktemp)
	defer rm -f "$out"
	ip netns exec "$NS_B" ping -q -i 0.05 "$IP4_A" >"$out" 2>&1 &
	pid=$!
	defer bg_stop "$pid"
	# 50 P_Keys, one cycle each: a deletion may complete after its write
	# returns, and the next cycle does not wait for it.
	# shellcheck disable=SC2016	# expanded by the inner bash
	err=$(in_ns "$NS_A" bash -c '
		for ((p = 0x8010; p < 0x8010 + 50; p++)); do
			printf "0x%x\n" $p >"$1/create_child" || { printf "create_child 0x%x\n" $p; exit 1; }
			printf "0x%x\n" $p >"$1/delete_child" || { printf "delete_child 0x%x\n" $p; exit 1; }
		done' _ "/sys/class/net/$IB_A" 2>&1)
	check_err $? "create/delete cycles: $err"
	wait_for 10 cycle_children_gone
	(($? == 0)) || check_err 1 "children left over: $(ip -o link show | grep -o "$IB_A\.80[1-4][0-9a-f]" | tr '\n' ' ')"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	stats=$(grep 'packets transmitted' "$out")
	log_info "parent traffic during the cycles: $stats"
	tx=$(echo "$stats" | awk '{ print $1 }')
	rx=$(echo "$stats" | awk '{ print $4 }')
	[ -n "$rx" ] && [ "$rx" -gt 0 ] && [ $((rx * 10)) -ge $((tx * 9)) ]
	check_err $? "the parent lost traffic during the cycles: $stats"
	ping_ok "$NS_A" "$IP4_B"
	check_err $? "the parent does not ping after the cycles"
	log_test "50 create_child/delete_child cycles with traffic on the parent"
}

# cycle_children_gone: none of test_create_delete_cycles' children is left.
cycle_children_gone()
{
	! { ip -o link show; ip -n "$NS_A" -o link show; } | grep -q "$IB_A\.80[1-4][0-9a-f]"
}

# test_races: child create/delete (sysfs and rtnetlink) racing the parent's
# down/up and P_Key events; afterwards everything still works and nothing
# is left behind.  A stuck task shows as a loop that does not end.
race_loop_children()
{
	local end=$((SECONDS + $1)) i=0

	while [ "$SECONDS" -lt "$end" ]; do
		echo 0x8004 >"/sys/class/net/$IB_A/create_child" 2>/dev/null
		ip link add link "$IB_A" name rc$((i % 3)) type ipoib pkey 0x8004 2>/dev/null
		ip link set dev "$IB_A.8004" up 2>/dev/null
		echo 0x8004 >"/sys/class/net/$IB_A/delete_child" 2>/dev/null
		ip link del "rc$((i % 3))" 2>/dev/null
		i=$((i + 1))
	done
	echo "$i" >"$2"
}

race_loop_parent()
{
	local end=$((SECONDS + $1))

	while [ "$SECONDS" -lt "$end" ]; do
		ip link set dev "$IB_A" down
		ip link set dev "$IB_A" up
	done
}

race_loop_pkey()
{
	local end=$((SECONDS + $1)) knob=$2

	while [ "$SECONDS" -lt "$end" ]; do
		echo +0x8004 >"$knob" 2>/dev/null
		echo -0x8004 >"$knob" 2>/dev/null
	done
}

# race_children_gone: no child of the race left in any namespace (the
# reference makes sysfs children in the initial one).
race_children_gone()
{
	link_gone "$IB_A.8004" && link_gone rc0 && link_gone rc1 && link_gone rc2
}

test_races()
{
	local secs=6 bound=$((30 + 6 * RIG_SLOW))
	local pids=() p stuck=0 cnt from

	cnt=$(mktemp)
	defer rm -f "$cnt"
	# each loop ends by itself after $secs s (each shell counts its own
	# SECONDS); one still running after $bound s is stuck (status 124)
	timeout "$bound" ip netns exec "$NS_A" bash -c \
		"$(declare -f race_loop_children); IB_A=$IB_A race_loop_children $secs $cnt" &
	pids+=($!)
	timeout "$bound" ip netns exec "$NS_A" bash -c \
		"$(declare -f race_loop_parent); IB_A=$IB_A race_loop_parent $secs" &
	pids+=($!)
	timeout "$bound" bash -c "$(declare -f race_loop_pkey); race_loop_pkey $secs $KA" &
	pids+=($!)
	for p in "${pids[@]}"; do
		wait "$p"
		[ $? -ne 124 ] || stuck=1
	done
	[ "$stuck" = 0 ]
	check_err $? "a create/delete, down/up or P_Key loop is stuck"
	log_info "$(cat "$cnt" 2>/dev/null || echo no) create/delete rounds in the race"
	[ "$(cat "$cnt" 2>/dev/null || echo 0)" -gt 0 ]
	check_err $? "the create/delete loop did not run"
	in_ns "$NS_A" sh -c "echo 0x8004 > /sys/class/net/$IB_A/delete_child" 2>/dev/null
	for p in 0 1 2; do
		ip -n "$NS_A" link del "rc$p" 2>/dev/null
	done
	sib_write "$(sib_port_knob softib0 1 pkeys)" -0x8004 2>/dev/null
	# the reference unregisters a deleted sysfs child asynchronously
	wait_for 10 race_children_gone
	(($? == 0)) || check_err 1 "children left after the races: $(ip -o link show; ip -n "$NS_A" -o link show)"
	ip -n "$NS_A" link set dev "$IB_A" up
	sib_write "$KA" +0x8004
	ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/create_child" 0x8004 >/dev/null &&
		from=$(wait_for 5 link_ns "$IB_A.8004" "$NS_A" "") &&
		{ [ "$from" = "$NS_A" ] || ip link set dev "$IB_A.8004" netns "$NS_A"; } &&
		ip -n "$NS_A" link set dev "$IB_A.8004" up &&
		wait_for 30 has_carrier "$NS_A" "$IB_A.8004"
	check_err $? "no working child 0x8004 after the races"
	ns_sysfs_write "$NS_A" "/sys/class/net/$IB_A/delete_child" 0x8004 >/dev/null
	sib_write "$KA" -0x8004
	wait_for 10 race_children_gone
	check_err $? "delete_child 0x8004 did not remove the child"
	wait_for 30 has_carrier "$NS_A" "$IB_A" && wait_ping "$NS_A" "$IP4_B" 20
	check_err $? "$IB_A does not pass traffic after the races"
	log_test "child create/delete racing parent down/up and P_Key events"
}

test_replace()
{
	local knob=$SIB_DBG/softib1/replace

	if [ ! -e "$knob" ]; then
		log_test_skip "softib1/replace with children" "softib has no $knob"
		return
	fi
	link_ns "$IB_B.8001" "$NS_B" >/dev/null && link_ns "$IB_B.8002" "$NS_C" >/dev/null
	check_err $? "children of $IB_B missing before the replace"
	sib_write "$knob" 1
	check_err $? "replace failed"
	wait_for 10 link_gone "$IB_B.8001" && wait_for 10 link_gone "$IB_B.8002"
	check_err $? "children of $IB_B still there after its HCA went away"
	wait_for 20 ipoib_netdev softib1 1 >/dev/null
	check_err $? "no IPoIB device for the new softib1 port 1"
	log_test "softib1/replace with children: the children go, the parent comes back"
}

ib_pair_setup ports=2
KA=$(sib_port_knob softib0 1 pkeys)
KB=$(sib_port_knob softib1 1 pkeys)
K2=$(sib_port_knob softib0 2 pkeys)
require_sib_knob "$KA"
wait_for 10 ipoib_netdev softib0 2 >/dev/null || fail_all "no IPoIB device for softib0 port 2" "topology"
P2=$(ipoib_netdev softib0 2)

test_children_created
test_create_bad
test_delete_bad
test_create_short
test_long_parent_name
test_no_carrier_before_pkey
test_children_with_pkey
test_index0_start
test_pkey_flap
test_isolation
test_updown
test_index0_check
test_del_under_flood
test_create_delete_cycles
test_races
test_replace
