#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rig self-test script (scripts/check.sh; not part of the test suite): a
# clean script that leaves a module loaded (splat.ko quiet=1, no warning).
# run_tests.sh must unload it before the next script of the batch, which
# loads splat.ko again.
echo "TAP version 13"
echo "1..1"
if insmod "$MODDIR/splat.ko" quiet=1; then
	echo "ok 1 splat.ko quiet=1 loads (and stays loaded)"
else
	echo "not ok 1 splat.ko quiet=1 loads (and stays loaded)"
	exit 1
fi
