// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed-stride rings for send and receive work queue entries.
 */
#include <linux/log2.h>
#include <linux/slab.h>

#include "softib.h"

int sib_ring_init(struct sib_ring *r, u32 max, u32 stride)
{
	u32 size = roundup_pow_of_two(max ? max : 1);

	r->buf = kvcalloc(size, stride, GFP_KERNEL);
	if (!r->buf)
		return -ENOMEM;
	r->stride = stride;
	r->size = size;
	r->max = max;
	r->head = 0;
	r->tail = 0;
	return 0;
}

void sib_ring_free(struct sib_ring *r)
{
	kvfree(r->buf);
	r->buf = NULL;
}
