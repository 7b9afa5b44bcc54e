// SPDX-License-Identifier: GPL-2.0
/*
 * P_Key child interfaces are their own issue.  The parent already keeps a
 * child list so that flushes and teardown can walk it later.
 */
#include "ipoib.h"

void ipib_children_init(struct ipib_dev *dev)
{
	INIT_LIST_HEAD(&dev->children);
	INIT_LIST_HEAD(&dev->child_node);
	dev->parent = NULL;
}
