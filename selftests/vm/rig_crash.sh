#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rig self-test script (scripts/check.sh; not part of the test suite): the
# guest kernel panics in the middle of a batch.  The rig must fail this
# script and report the scripts after it as not run.
echo "TAP version 13"
echo "1..1"
echo "# crashing the guest kernel (sysrq c)"
echo c >/proc/sysrq-trigger
# Not reached.
echo "not ok 1 the kernel survived sysrq c"
exit 1
