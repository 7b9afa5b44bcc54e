#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The system services an administrator's network tools need, started in the
# test guest (whose PID 1 is the rig's init, not systemd) for nm.sh and
# dhcp.sh, sourced after lib.sh and ib_lib.sh:
#  - the D-Bus system bus (nmcli talks to NetworkManager over it);
#  - systemd-udevd: NetworkManager and systemd-networkd leave a link alone
#    until udev has processed it (on a writable /sys);
#  - NetworkManager itself, with a configuration, profile store and state
#    of its own (tmpfs over /var/lib/NetworkManager and /run/NetworkManager,
#    and over its dispatcher scripts' directory) that manages InfiniBand
#    devices only and makes no automatic profiles.
# Everything started here is stopped at exit and its files removed: the
# scripts of one guest boot share its root.

require_cmd dbus-daemon udevadm NetworkManager nmcli

NM_DIR=
NM_PID=
UDEVD=/lib/systemd/systemd-udevd

# sysd_start: the system bus and udevd, with udev's view of the existing
# network devices; stopped at exit.
sysd_start()
{
	local pid

	[ -x "$UDEVD" ] || skip_all "no $UDEVD (package udev)"
	mkdir -p /run/dbus
	rm -f /run/dbus/pid
	pid=$(dbus-daemon --system --fork --print-pid) ||
		fail_all "dbus-daemon --system did not start" "system services"
	defer rm -f /run/dbus/pid /run/dbus/system_bus_socket
	defer kill "$pid"
	rm -f /run/udev/control
	"$UDEVD" >/dev/null 2>&1 &
	pid=$!
	defer bg_stop "$pid"
	wait_for 30 test -S /run/udev/control ||
		fail_all "systemd-udevd did not start" "system services"
	udevadm trigger --action=add --subsystem-match=net &&
		udevadm settle -t $((30 * RIG_SLOW)) ||
		fail_all "udev did not process the network devices" "system services"
}

# nm_running: NetworkManager answers on the bus.
nm_running()
{
	nmcli -t -f RUNNING general >/dev/null 2>&1
}

# nm_start: NetworkManager on the InfiniBand devices of this namespace,
# logging platform calls (its sysctl and sysfs writes) to $NM_DIR/log;
# stopped at exit.
nm_start()
{
	local d

	NM_DIR=$(mktemp -d) || return 1
	defer rm -rf "$NM_DIR"
	# An empty dispatcher.d: the distribution's dispatcher scripts
	# (ifupdown's hooks, a dozen programs per device event) are not what
	# these tests are about.
	for d in /var/lib/NetworkManager /run/NetworkManager \
		/etc/NetworkManager/dispatcher.d; do
		mkdir -p "$d" && mount -t tmpfs nm "$d" ||
			fail_all "cannot mount a tmpfs on $d" "NetworkManager"
		defer umount "$d"
	done
	mkdir "$NM_DIR/profiles"
	cat >"$NM_DIR/nm.conf" <<-EOF
	[main]
	plugins=keyfile
	no-auto-default=*
	[keyfile]
	path=$NM_DIR/profiles
	unmanaged-devices=except:type:infiniband
	[logging]
	level=DEBUG
	domains=PLATFORM,DEVICE,DHCP4
	EOF
	NetworkManager --debug --config="$NM_DIR/nm.conf" >"$NM_DIR/log" 2>&1 &
	NM_PID=$!
	defer nm_stop
	wait_for 60 nm_running || fail_all "NetworkManager did not start" "NetworkManager"
}

# nm_stop: stop NetworkManager (it leaves the links as they are); its log
# is kept with the run's results.
nm_stop()
{
	[ -n "$NM_PID" ] || return 0
	bg_stop "$NM_PID"
	NM_PID=
	[ -z "${RIG_RESULTS:-}" ] ||
		cp "$NM_DIR/log" "$RIG_RESULTS/NetworkManager-$(basename "$0" .sh)-$IPOIB.log"
}

# nm_dev_state DEV: NetworkManager's state of DEV ("disconnected", ...).
nm_dev_state()
{
	nmcli -g GENERAL.STATE device show "$1" 2>/dev/null
}

# nm_up PROFILE: activate PROFILE, waiting up to 90 s; on failure logs
# NetworkManager's reason.
nm_up()
{
	local out

	out=$(nmcli -w $((90 * RIG_SLOW)) connection up "$1" 2>&1) && return 0
	log_info "nmcli connection up $1: $out"
	return 1
}

# nm_log_has REGEX: NetworkManager's log has a line matching REGEX.
nm_log_has()
{
	grep -Eq -- "$1" "$NM_DIR/log"
}
