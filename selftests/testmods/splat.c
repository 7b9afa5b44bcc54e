// SPDX-License-Identifier: GPL-2.0
/*
 * splat.ko: a module that warns on purpose.
 *
 * The test rig fails any guest run whose console shows a kernel splat.
 * Loading this module proves that it does: the load succeeds and leaves
 * one WARNING in the log, which the rig must catch.  With quiet=1 the
 * module loads without warning (the rig's negative control).
 */

#include <linux/bug.h>
#include <linux/module.h>

static bool quiet;
module_param(quiet, bool, 0444);
MODULE_PARM_DESC(quiet, "Load without warning (default: warn once)");

static int __init splat_init(void)
{
	WARN(!quiet, "splat: planted warning for the test rig\n");
	return 0;
}

static void __exit splat_exit(void)
{
}

module_init(splat_init);
module_exit(splat_exit);

MODULE_DESCRIPTION("Planted kernel warning for the IPoIB test rig");
MODULE_LICENSE("GPL");
