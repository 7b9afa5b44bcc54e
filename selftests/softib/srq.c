// SPDX-License-Identifier: GPL-2.0
/*
 * softib shared receive queues with the limit event.
 */
#include "softib.h"

static void sib_srq_limit_worker(struct work_struct *work)
{
	struct sib_srq *srq = container_of(work, struct sib_srq, limit_work);
	struct ib_event ev = {
		.device = srq->ibsrq.device,
		.event = IB_EVENT_SRQ_LIMIT_REACHED,
		.element.srq = &srq->ibsrq,
	};

	if (srq->ibsrq.event_handler)
		srq->ibsrq.event_handler(&ev, srq->ibsrq.srq_context);
}

int sib_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		   struct ib_udata *udata)
{
	struct sib_srq *srq = to_ssrq(ibsrq);
	struct ib_srq_attr *attr = &init->attr;
	u32 sge = max_t(u32, attr->max_sge, 1);
	int err;

	if (udata)
		return -EOPNOTSUPP;
	if (init->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	if (!attr->max_wr || attr->max_wr > SIB_MAX_WR ||
	    attr->max_sge > to_sdev(ibsrq->device)->max_recv_sge ||
	    attr->srq_limit > attr->max_wr)
		return -EINVAL;
	err = sib_ring_init(&srq->rq, attr->max_wr,
			    struct_size_t(struct sib_rwqe, sg, sge));
	if (err)
		return err;
	spin_lock_init(&srq->lock);
	INIT_WORK(&srq->limit_work, sib_srq_limit_worker);
	srq->limit = attr->srq_limit;
	return 0;
}

int sib_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		   enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct sib_srq *srq = to_ssrq(ibsrq);
	int err = 0;

	if (mask & IB_SRQ_MAX_WR)
		return -EOPNOTSUPP;
	spin_lock_irq(&srq->lock);
	if (mask & IB_SRQ_LIMIT) {
		if (attr->srq_limit > srq->rq.max)
			err = -EINVAL;
		else
			srq->limit = attr->srq_limit;
	}
	spin_unlock_irq(&srq->lock);
	return err;
}

int sib_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct sib_srq *srq = to_ssrq(ibsrq);

	spin_lock_irq(&srq->lock);
	attr->max_wr = srq->rq.max;
	attr->max_sge = (srq->rq.stride - sizeof(struct sib_rwqe)) /
			sizeof(struct ib_sge);
	attr->srq_limit = srq->limit;
	spin_unlock_irq(&srq->lock);
	return 0;
}

int sib_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct sib_srq *srq = to_ssrq(ibsrq);

	cancel_work_sync(&srq->limit_work);
	sib_ring_free(&srq->rq);
	return 0;
}

int sib_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		      const struct ib_recv_wr **bad)
{
	struct sib_srq *srq = to_ssrq(ibsrq);
	u32 max_sge = (srq->rq.stride - sizeof(struct sib_rwqe)) /
		      sizeof(struct ib_sge);
	struct sib_rwqe *wqe;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&srq->lock, flags);
	for (; wr; wr = wr->next) {
		if (unlikely(wr->num_sge > max_sge ||
			     sib_ring_count(&srq->rq) >= srq->rq.max)) {
			err = wr->num_sge > max_sge ? -EINVAL : -ENOMEM;
			*bad = wr;
			break;
		}
		wqe = sib_ring_slot(&srq->rq, srq->rq.head);
		wqe->wr_id = wr->wr_id;
		wqe->num_sge = wr->num_sge;
		memcpy(wqe->sg, wr->sg_list, wr->num_sge * sizeof(*wr->sg_list));
		srq->rq.head++;
	}
	spin_unlock_irqrestore(&srq->lock, flags);
	return err;
}

/* Take one receive; raise the limit event when the queue runs low. */
bool sib_srq_pop(struct sib_srq *srq, struct sib_rwqe *out)
{
	struct sib_rwqe *wqe;
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&srq->lock, flags);
	if (srq->rq.tail != srq->rq.head) {
		wqe = sib_ring_slot(&srq->rq, srq->rq.tail);
		memcpy(out, wqe, struct_size(wqe, sg, wqe->num_sge));
		srq->rq.tail++;
		ok = true;
	}
	if (srq->limit && sib_ring_count(&srq->rq) < srq->limit) {
		srq->limit = 0;	/* one event per arming */
		queue_work(sib_fab->wq, &srq->limit_work);
	}
	spin_unlock_irqrestore(&srq->lock, flags);
	return ok;
}
