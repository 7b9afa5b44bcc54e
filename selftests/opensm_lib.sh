#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the OpenSM scripts (opensm.sh, opensm_ops.sh), sourced after
# lib.sh and ib_lib.sh: port state from sysfs, OpenSM instances, the SA's
# multicast members as OpenSM reports them.
#
# OpenSM instances have names (sm1, sm2): each runs on one HCA port with
# its own directory (partition file, log, OSM_CACHE_DIR, OSM_TMP_DIR),
# stopped at exit.  A stopped instance's log is copied to
# $RIG_RESULTS/opensm-SCRIPT-NAME-PID-$IPOIB.log when RIG_RESULTS is set.

SYS=/sys/class/infiniband
declare -A OSM_PID=() OSM_DIR=()

port_attr()
{
	local v

	read_file "$SYS/$1/ports/$2/$3" v || return 1
	echo "$v"
}

# port_lid IBDEV PORT: the port's LID in decimal.
port_lid()
{
	local v

	v=$(port_attr "$1" "$2" lid) || return 1
	echo $((v))
}

# port_up IBDEV PORT: ACTIVE with a LID.
port_up()
{
	[[ $(port_attr "$1" 1 state) == *ACTIVE* ]] &&
		[ "$(port_lid "$1" 1)" -gt 0 ] 2>/dev/null
}

port_down()
{
	[[ $(port_attr "$1" 1 state) == *DOWN* ]]
}

all_up()
{
	port_up softib0 && port_up softib1
}

# port_guid IBDEV: port 1's GUID (0x + 16 hex digits), from its GID 0.
port_guid()
{
	local gid

	read_file "$SYS/$1/ports/1/gids/0" gid || return 1
	gid=${gid//:/}
	echo "0x${gid:16}"
}

# has_pkey IBDEV PKEY: PKEY (0x8045 form) is in port 1's P_Key table;
# read without a process.
has_pkey()
{
	local f v

	for f in "$SYS/$1"/ports/1/pkeys/*; do
		read_file "$f" v && [ "$v" = "$2" ] && return 0
	done
	return 1
}

# sm_lid_is IBDEV LID: port 1 reports LID (decimal) as its SM's.
sm_lid_is()
{
	local v

	read_file "$SYS/$1/ports/1/sm_lid" v && [ "$((v))" = "$2" ]
}

# osm_start NAME IBDEV PARTITIONS [OPENSM ARGS...]: start OpenSM instance
# NAME on IBDEV port 1 with a partition file holding PARTITIONS and a
# 5-second sweep (OPENSM ARGS come after and override, e.g. -s 60);
# stopped at exit.  -d2: the log is flushed after each message
# (osm_log_has polls it).
osm_start()
{
	local name=$1 ibdev=$2 parts=$3 dir guid

	shift 3
	guid=$(port_guid "$ibdev") || return 1
	dir=$(mktemp -d "/tmp/opensm-$name.XXXXXX") || return 1
	defer rm -rf "$dir"
	OSM_DIR[$name]=$dir
	echo "$parts" >"$dir/partitions.conf"
	OSM_CACHE_DIR=$dir OSM_TMP_DIR=$dir \
		opensm -g "$guid" -f "$dir/opensm.log" -P "$dir/partitions.conf" \
		-s 5 -d2 "$@" >"$dir/stdout" 2>&1 &
	OSM_PID[$name]=$!
	defer osm_stop "$name"
	log_info "opensm $name (pid ${OSM_PID[$name]}) on $ibdev port 1, GUID $guid $*"
}

# osm_stop NAME: stop the instance (idempotent), keep its log.
osm_stop()
{
	local pid=${OSM_PID[$1]:-} log=${OSM_DIR[$1]:-}/opensm.log

	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	OSM_PID[$1]=
	if [ -n "${RIG_RESULTS:-}" ] && [ -f "$log" ]; then
		cp "$log" "$RIG_RESULTS/opensm-$(basename "$0" .sh)-$1-$pid-$IPOIB.log" 2>/dev/null
	fi
	return 0
}

# osm_partitions NAME PARTITIONS: rewrite the instance's partition file and
# tell it (SIGHUP: a heavy sweep, which reads the file again).
osm_partitions()
{
	echo "$2" >"${OSM_DIR[$1]}/partitions.conf" &&
		kill -HUP "${OSM_PID[$1]}"
}

# osm_log_has NAME STRING: the instance's log has STRING.
osm_log_has()
{
	grep -qF "$2" "${OSM_DIR[$1]}/opensm.log" 2>/dev/null
}

# osm_tail NAME: the last lines of its log, on one line (for messages).
osm_tail()
{
	tail -n 4 "${OSM_DIR[$1]}/opensm.log" 2>/dev/null | tr '\n' ' '
}

# bcast_members IBDEV: how many ports the SA (of IBDEV port 1's SM) lists
# as members of the default partition's IPoIB broadcast group.  The query
# carries OpenSM's default SM_Key (1): to an untrusted requester it lists
# only the requester's own memberships.
bcast_members()
{
	timeout 20 saquery --smkey 1 -C "$1" -P 1 -m 2>/dev/null |
		awk '$1 ~ /^MGID/ { g = $1 ~ /ff12:401b:ffff:.*ffff:ffff$/ }
		     $1 ~ /^PortGid/ && g { n++ }
		     END { print n + 0 }'
}

# bcast_mlid IBDEV: the MLID (0x + 4 lower-case hex digits) of the default
# partition's IPoIB broadcast group, as the SA of IBDEV port 1's SM has it.
bcast_mlid()
{
	local v

	v=$(timeout 20 saquery --smkey 1 -C "$1" -P 1 -g 2>/dev/null |
		awk '$1 ~ /^MGID/ { g = $1 ~ /ff12:401b:ffff:.*ffff:ffff$/ }
		     $1 ~ /^Mlid/ && g { sub(/^Mlid\.*/, "", $1); print $1; exit }')
	[ -n "$v" ] && printf '0x%04x\n' "$((v))"
}

# bcast_members_are IBDEV N
bcast_members_are()
{
	[ "$(bcast_members "$1")" = "$2" ]
}

# mode_is NS DEV MODE: datagram or connected, from the namespace's view.
mode_is()
{
	local m

	ns_file "$1" "/sys/class/net/$2/mode" m && [ "$m" = "$3" ]
}

# mtu_is NS DEV MTU
mtu_is()
{
	local m

	ns_file "$1" "/sys/class/net/$2/mtu" m && [ "$m" = "$3" ]
}

# pkey_child NS PARENT PKEY IP4: a P_Key child PARENT.PKEY (PKEY as 4 hex
# digits, full-member bit set) in NS, up with IP4/24, deleted at exit;
# prints its name.
pkey_child()
{
	local ns=$1 ch=$2.$3

	ip -n "$ns" link add link "$2" name "$ch" type ipoib pkey "0x$3" || return 1
	defer ip -n "$ns" link del "$ch"
	ip -n "$ns" addr add "$4/24" dev "$ch" && ip -n "$ns" link set "$ch" up &&
		echo "$ch"
}

