// SPDX-License-Identifier: GPL-2.0
/*
 * softib protection domains, memory regions and address handles.
 *
 * DMA addresses are kernel virtual addresses (virtual DMA), so the one
 * memory region a kernel consumer needs is the DMA MR covering everything.
 */
#include <linux/slab.h>

#include "softib.h"

static atomic_t sib_mr_keys = ATOMIC_INIT(0x100);

int sib_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	return 0;
}

int sib_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	return 0;
}

struct ib_mr *sib_get_dma_mr(struct ib_pd *ibpd, int access)
{
	struct sib_mr *mr;
	u32 key;

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	key = (u32)atomic_inc_return(&sib_mr_keys) << 8;
	mr->ibmr.lkey = key;
	mr->ibmr.rkey = key;
	mr->ibmr.iova = 0;
	mr->ibmr.length = U64_MAX;
	return &mr->ibmr;
}

struct ib_mr *sib_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 virt, int access, struct ib_udata *udata)
{
	return ERR_PTR(-EOPNOTSUPP);
}

int sib_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	kfree(container_of(ibmr, struct sib_mr, ibmr));
	return 0;
}

int sib_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
		  struct ib_udata *udata)
{
	struct sib_ah *ah = to_sah(ibah);
	struct rdma_ah_attr *attr = init->ah_attr;

	if (attr->type != RDMA_AH_ATTR_TYPE_IB)
		return -EINVAL;
	if (!sib_port_get(to_sdev(ibah->device), attr->port_num))
		return -EINVAL;
	/* LID 0 is reserved: no address handle for it (an SM LID of 0) */
	if (!rdma_ah_get_dlid(attr))
		return -EINVAL;
	ah->attr = *attr;
	ah->attr.grh.sgid_attr = NULL;
	return 0;
}

int sib_query_ah(struct ib_ah *ibah, struct rdma_ah_attr *attr)
{
	*attr = to_sah(ibah)->attr;
	return 0;
}

/* May be called in atomic context: nothing to release. */
int sib_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	return 0;
}
