// SPDX-License-Identifier: GPL-2.0
/*
 * softib completion queues.  Completions are pushed by the fabric and by
 * flushes; the consumer's handler runs in hard interrupt context, from an
 * irq_work on the CPU that pushed the completion, as an HCA's completion
 * vector would call it: it may interrupt any code, the verb that produced
 * the completion included, but no verb calls it, and no thread is woken
 * for it.  With moderation
 * (ib_modify_cq) the event of an armed CQ waits until mod_count
 * completions are pending or mod_period usecs have passed.
 */
#include <linux/log2.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "softib.h"

static void sib_cq_notify_irq(struct irq_work *work)
{
	struct sib_cq *cq = container_of(work, struct sib_cq, notify_irq);

	if (READ_ONCE(cq->dead) || !cq->ibcq.comp_handler)
		return;
	atomic64_inc(&cq->events);
	cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
}

static void sib_cq_err_worker(struct work_struct *work)
{
	struct sib_cq *cq = container_of(work, struct sib_cq, err_work);
	struct ib_event ev = {
		.device = cq->ibcq.device,
		.event = IB_EVENT_CQ_ERR,
		.element.cq = &cq->ibcq,
	};

	if (!READ_ONCE(cq->dead) && cq->ibcq.event_handler)
		cq->ibcq.event_handler(&ev, cq->ibcq.cq_context);
}

/* Signal a deferred event; under the CQ lock. */
static void sib_cq_mod_fire(struct sib_cq *cq)
{
	lockdep_assert_held(&cq->lock);
	cq->mod_owed = false;
	hrtimer_try_to_cancel(&cq->mod_timer);	/* -1 from the timer itself */
	irq_work_queue(&cq->notify_irq);
}

static enum hrtimer_restart sib_cq_mod_timer(struct hrtimer *t)
{
	struct sib_cq *cq = container_of(t, struct sib_cq, mod_timer);
	unsigned long flags;

	spin_lock_irqsave(&cq->lock, flags);
	if (cq->mod_owed && !cq->dead)
		sib_cq_mod_fire(cq);
	spin_unlock_irqrestore(&cq->lock, flags);
	return HRTIMER_NORESTART;
}

int sib_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct uverbs_attr_bundle *attrs)
{
	struct sib_cq *cq = to_scq(ibcq);
	struct sib_dev *sdev = to_sdev(ibcq->device);

	if (attr->flags || attr->cqe < 1 || attr->cqe >= SIB_MAX_CQE)
		return -EINVAL;
	cq->size = roundup_pow_of_two(attr->cqe + 1);
	cq->ring = kvcalloc(cq->size, sizeof(*cq->ring), GFP_KERNEL);
	if (!cq->ring)
		return -ENOMEM;
	spin_lock_init(&cq->lock);
	init_irq_work(&cq->notify_irq, sib_cq_notify_irq);
	INIT_WORK(&cq->err_work, sib_cq_err_worker);
	hrtimer_init(&cq->mod_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	cq->mod_timer.function = sib_cq_mod_timer;
	atomic64_set(&cq->completions, 0);
	atomic64_set(&cq->events, 0);
	ibcq->cqe = attr->cqe;
	spin_lock_irq(&sdev->cq_lock);
	cq->id = sdev->next_cq_id++;
	list_add_tail(&cq->dev_node, &sdev->cqs);
	spin_unlock_irq(&sdev->cq_lock);
	return 0;
}

int sib_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct sib_cq *cq = to_scq(ibcq);
	struct sib_dev *sdev = to_sdev(ibcq->device);

	spin_lock_irq(&sdev->cq_lock);
	list_del(&cq->dev_node);
	spin_unlock_irq(&sdev->cq_lock);
	spin_lock_irq(&cq->lock);
	WRITE_ONCE(cq->dead, true);
	spin_unlock_irq(&cq->lock);
	/* the timer sees dead and queues nothing more */
	hrtimer_cancel(&cq->mod_timer);
	irq_work_sync(&cq->notify_irq);
	cancel_work_sync(&cq->err_work);
	kvfree(cq->ring);
	return 0;
}

/**
 * sib_cq_push - add one completion
 * @cq: the completion queue
 * @wc: the completion
 * @solicited: the message asked for a solicited event
 *
 * Any context.  An overflow loses the completion and raises IB_EVENT_CQ_ERR.
 */
void sib_cq_push(struct sib_cq *cq, const struct ib_wc *wc, bool solicited)
{
	unsigned long flags;
	bool notify = false;

	spin_lock_irqsave(&cq->lock, flags);
	if (unlikely(cq->dead))
		goto out;
	if (unlikely(cq->head - cq->tail >= cq->ibcq.cqe)) {
		queue_work(sib_fab->wq, &cq->err_work);
		goto out;
	}
	cq->ring[cq->head & (cq->size - 1)] = *wc;
	cq->head++;
	atomic64_inc(&cq->completions);
	if (cq->armed == IB_CQ_NEXT_COMP ||
	    (cq->armed == IB_CQ_SOLICITED && solicited)) {
		cq->armed = 0;
		notify = true;
	}
	if (notify && (cq->mod_count || cq->mod_period)) {
		/* moderated: owe the event, signal it below or from the timer */
		notify = false;
		if (!cq->mod_owed) {
			cq->mod_owed = true;
			cq->mod_first = cq->head - 1;
			if (cq->mod_period)
				hrtimer_start(&cq->mod_timer,
					      cq->mod_period * NSEC_PER_USEC,
					      HRTIMER_MODE_REL);
		}
	}
	if (notify)
		irq_work_queue(&cq->notify_irq);
	else if (cq->mod_owed && cq->mod_count &&
		 cq->head - cq->mod_first >= cq->mod_count)
		sib_cq_mod_fire(cq);
out:
	spin_unlock_irqrestore(&cq->lock, flags);
}

int sib_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc)
{
	struct sib_cq *cq = to_scq(ibcq);
	unsigned long flags;
	int n = 0;

	spin_lock_irqsave(&cq->lock, flags);
	while (n < num && cq->tail != cq->head) {
		wc[n++] = cq->ring[cq->tail & (cq->size - 1)];
		cq->tail++;
	}
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

int sib_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags)
{
	struct sib_cq *cq = to_scq(ibcq);
	enum ib_cq_notify_flags how = flags & IB_CQ_SOLICITED_MASK;
	unsigned long irqflags;
	int ret = 0;

	spin_lock_irqsave(&cq->lock, irqflags);
	if (cq->armed != IB_CQ_NEXT_COMP)
		cq->armed = how;
	if ((flags & IB_CQ_REPORT_MISSED_EVENTS) && cq->head != cq->tail)
		ret = 1;
	spin_unlock_irqrestore(&cq->lock, irqflags);
	return ret;
}

/*
 * @count completions or @period usecs after the first unsignalled one,
 * whichever comes first (0 = no such bound; both 0: no moderation).  An
 * event owed under the old setting is signalled now.
 */
int sib_modify_cq(struct ib_cq *ibcq, u16 count, u16 period)
{
	struct sib_cq *cq = to_scq(ibcq);

	spin_lock_irq(&cq->lock);
	cq->mod_count = count;
	cq->mod_period = period;
	if (cq->mod_owed && !cq->dead)
		sib_cq_mod_fire(cq);
	spin_unlock_irq(&cq->lock);
	return 0;
}

/**
 * sib_cq_dump - one line per CQ of a device, for debugfs <ibdev>/cqs
 * @sdev: the device
 * @m: the seq_file
 *
 * "cq <id> cqe <n> count <c> period <usecs> completions <n> events <n>"
 */
void sib_cq_dump(struct sib_dev *sdev, struct seq_file *m)
{
	struct sib_cq *cq;

	spin_lock_irq(&sdev->cq_lock);
	list_for_each_entry(cq, &sdev->cqs, dev_node)
		seq_printf(m, "cq %u cqe %d count %u period %u completions %lld events %lld\n",
			   cq->id, cq->ibcq.cqe, READ_ONCE(cq->mod_count),
			   READ_ONCE(cq->mod_period),
			   (long long)atomic64_read(&cq->completions),
			   (long long)atomic64_read(&cq->events));
	spin_unlock_irq(&sdev->cq_lock);
}
