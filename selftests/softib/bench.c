// SPDX-License-Identifier: GPL-2.0
/*
 * softib raw benchmark (debugfs fabric/bench).
 */
#include <linux/slab.h>

#include "softib.h"

int sib_bench_run(char **out)
{
	*out = kstrdup("not implemented yet\n", GFP_KERNEL);
	return *out ? 0 : -ENOMEM;
}
