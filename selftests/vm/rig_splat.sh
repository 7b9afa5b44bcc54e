#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rig self-test script (scripts/check.sh; not part of the test suite): the
# planted splat in the middle of a batch.  Every case passes, yet the rig
# must fail this script, and only this one, for the WARNING of splat.ko.
echo "TAP version 13"
echo "1..1"
if insmod "$MODDIR/splat.ko"; then
	echo "ok 1 splat.ko loads (warning on purpose)"
else
	echo "not ok 1 splat.ko loads (warning on purpose)"
	exit 1
fi
