// SPDX-License-Identifier: GPL-2.0
/*
 * Connected mode, passive side: the listener, accepting a REQ (RC QP,
 * REP with our receive size), receive buffers in pages (the SRQ's, or
 * each connection's own ring, bounded by max_nonsrq_conn_qp), the RX
 * completion path with a copybreak for small packets, idle connections
 * reaped on a timer, and the teardown steps of struct ipib_cm_rx.
 *
 * A large packet leaves with the pages it was received into.  Their
 * replacements come from a page pool, and the stack gives the pages back
 * to it when it frees the packet: at a steady rate the same pages go
 * round, and none is taken from (and zeroed by) the page allocator.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <rdma/ib_cm.h>
#include <net/page_pool/helpers.h>

#include "ipoib.h"

#define IPIB_CM_RX_TIMEOUT	(512 * HZ)
#define IPIB_CM_RX_SCAN		(128 * HZ)

static const char *const rx_state_name[] = {
	[IPIB_CM_RX_LIVE] = "live",
	[IPIB_CM_RX_ERROR] = "draining",
	[IPIB_CM_RX_FLUSHED] = "draining",
	[IPIB_CM_RX_DRAINING] = "draining",
	[IPIB_CM_RX_DEAD] = "dead",
};

/* ------------------------------------------------------------------ */
/* Buffers                                                             */

/* A receive page goes back where it came from: its pool or the allocator. */
static void page_release(struct page *page)
{
	if (page_pool_page_is_pp(page))
		page_pool_put_full_page(page->pp, page, false);
	else
		put_page(page);
}

static void buf_free(struct ipib_dev *dev, struct ipib_cm_rx_buf *buf)
{
	unsigned int i;

	for (i = 0; i < dev->cm.nfrags; i++) {
		if (!buf->pages[i])
			continue;
		ib_dma_unmap_page(dev->ca, buf->mapping[i], PAGE_SIZE,
				  DMA_FROM_DEVICE);
		page_release(buf->pages[i]);
		buf->pages[i] = NULL;
	}
}

/*
 * Fill @pages/@map with @n mapped pages, all or nothing: from @pool (RX
 * NAPI, the pool's only allocator) or, with @pool NULL, the allocator.
 */
static int pages_get(struct ipib_dev *dev, struct page_pool *pool,
		     struct page **pages, u64 *map, unsigned int n, gfp_t gfp)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pages[i] = pool ? page_pool_alloc_pages(pool, gfp) :
			   alloc_page(gfp);
		if (!pages[i])
			goto err;
		map[i] = ib_dma_map_page(dev->ca, pages[i], 0, PAGE_SIZE,
					 DMA_FROM_DEVICE);
		if (ib_dma_mapping_error(dev->ca, map[i])) {
			page_release(pages[i]);
			goto err;
		}
	}
	return 0;
err:
	while (i--) {
		ib_dma_unmap_page(dev->ca, map[i], PAGE_SIZE, DMA_FROM_DEVICE);
		page_release(pages[i]);
		pages[i] = NULL;
	}
	return -ENOMEM;
}

/* The SGEs of one buffer: whole pages, the last one up to rx_size. */
static unsigned int buf_sges(struct ipib_dev *dev, struct ipib_cm_rx_buf *buf,
			     struct ib_sge *sge)
{
	unsigned int i, left = dev->cm.rx_size;

	for (i = 0; i < dev->cm.nfrags && left; i++) {
		sge[i].addr = buf->mapping[i];
		sge[i].length = min_t(unsigned int, left, PAGE_SIZE);
		sge[i].lkey = dev->pd->local_dma_lkey;
		left -= sge[i].length;
	}
	return i;
}

static int post_srq(struct ipib_dev *dev, unsigned int idx)
{
	struct ib_sge sge[IPIB_CM_MAX_FRAGS];
	struct ib_recv_wr wr = { .wr_id = IPIB_WR_CM | idx, .sg_list = sge };

	wr.num_sge = buf_sges(dev, &dev->cm.srq_ring.bufs[idx], sge);
	return ib_post_srq_recv(dev->cm.srq, &wr, NULL);
}

static int post_qp(struct ipib_dev *dev, struct ipib_cm_rx *rx,
		   unsigned int idx)
{
	struct ib_sge sge[IPIB_CM_MAX_FRAGS];
	struct ib_recv_wr wr = { .wr_id = IPIB_WR_CM | idx, .sg_list = sge };

	wr.num_sge = buf_sges(dev, &rx->ring.bufs[idx], sge);
	return ib_post_recv(rx->qp, &wr, NULL);
}

static int ring_alloc(struct ipib_cm_rx_ring *ring)
{
	ring->bufs = kvcalloc(ipib_recvq_size, sizeof(*ring->bufs),
			      GFP_KERNEL);
	if (!ring->bufs)
		return -ENOMEM;
	ring->size = ipib_recvq_size;
	ring->posted = 0;
	return 0;
}

static void ring_free(struct ipib_dev *dev, struct ipib_cm_rx_ring *ring)
{
	unsigned int i;

	if (!ring->bufs)
		return;
	for (i = 0; i < ring->size; i++)
		buf_free(dev, &ring->bufs[i]);
	kvfree(ring->bufs);
	ring->bufs = NULL;
	ring->posted = 0;
}

/*
 * Give every buffer without pages its pages and post it: to the SRQ, or
 * to @rx's QP (whose ring counts them).
 */
static int ring_fill(struct ipib_dev *dev, struct ipib_cm_rx_ring *ring,
		     struct ipib_cm_rx *rx)
{
	unsigned int i;
	int rc;

	for (i = 0; i < ring->size; i++) {
		struct ipib_cm_rx_buf *buf = &ring->bufs[i];

		if (buf->pages[0])
			continue;
		rc = pages_get(dev, NULL, buf->pages, buf->mapping,
			       dev->cm.nfrags, GFP_KERNEL);
		if (rc)
			return rc;
		rc = rx ? post_qp(dev, rx, i) : post_srq(dev, i);
		if (rc) {
			buf_free(dev, buf);
			return rc;
		}
		if (rx)
			ring->posted++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connection state                                                    */

static void queue_reap(struct ipib_dev *dev)
{
	queue_work(dev->wq, &dev->cm.work);
}

/* Post the drain WR for every flushed connection, if none is in flight. */
static void drain_kick_locked(struct ipib_dev *dev)
{
	struct ib_send_wr wr = {
		.wr_id = IPIB_CM_DRAIN_WRID,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_rx *rx, *first = NULL;

	lockdep_assert_held(&cm->lock);
	if (cm->drain_posted)
		return;
	list_for_each_entry(rx, &cm->rx_list, node) {
		if (rx->state != IPIB_CM_RX_FLUSHED)
			continue;
		rx->state = IPIB_CM_RX_DRAINING;
		if (!first)
			first = rx;
	}
	if (!first)
		return;
	/* on a QP in ERR the WR completes at once, behind all of theirs */
	if (ib_post_send(first->qp, &wr, NULL)) {
		ipib_warn(dev, "could not post the drain WR\n");
		list_for_each_entry(rx, &cm->rx_list, node)
			if (rx->state == IPIB_CM_RX_DRAINING)
				rx->state = IPIB_CM_RX_DEAD;
		queue_reap(dev);
		return;
	}
	cm->drain_posted = true;
}

static void drain_done(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_rx *rx;
	unsigned long flags;

	spin_lock_irqsave(&cm->lock, flags);
	cm->drain_posted = false;
	list_for_each_entry(rx, &cm->rx_list, node)
		if (rx->state == IPIB_CM_RX_DRAINING)
			rx->state = IPIB_CM_RX_DEAD;
	drain_kick_locked(dev);
	spin_unlock_irqrestore(&cm->lock, flags);
	queue_reap(dev);
}

/*
 * Move a live connection's QP to ERR.  Callers are serialised with its
 * reaping: the CM handler (the reaper destroys the CM ID first, which
 * waits for it) or the CM and stale work (one ordered workqueue).
 */
static void rx_set_error(struct ipib_cm_rx *rx)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	struct ipib_cm *cm = &rx->dev->cm;
	unsigned long flags;
	bool live;

	spin_lock_irqsave(&cm->lock, flags);
	live = rx->state == IPIB_CM_RX_LIVE;
	if (live)
		rx->state = IPIB_CM_RX_ERROR;
	spin_unlock_irqrestore(&cm->lock, flags);
	if (live && ib_modify_qp(rx->qp, &attr, IB_QP_STATE))
		ipib_warn(rx->dev, "could not move a passive QP to ERR\n");
}

/*
 * Move to ERR every live connection (@all), or those replaced by a newer
 * one from the same peer and those idle for too long.
 */
static void rx_kill(struct ipib_dev *dev, bool all)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_rx *rx, *found;
	unsigned long flags;

	do {
		found = NULL;
		spin_lock_irqsave(&cm->lock, flags);
		list_for_each_entry(rx, &cm->rx_list, node) {
			if (rx->state != IPIB_CM_RX_LIVE)
				continue;
			if (all || rx->replaced ||
			    time_after(jiffies, READ_ONCE(rx->last_rx) +
				       IPIB_CM_RX_TIMEOUT)) {
				found = rx;
				break;
			}
		}
		spin_unlock_irqrestore(&cm->lock, flags);
		if (found)
			rx_set_error(found);
	} while (found);
}

static void rx_qp_event(struct ib_event *ev, void *ctx)
{
	struct ipib_cm_rx *rx = ctx;
	struct ipib_cm *cm = &rx->dev->cm;
	unsigned long flags;

	switch (ev->event) {
	case IB_EVENT_COMM_EST:
		/* data came before the RTU: the connection is established */
		ib_cm_notify(rx->id, IB_EVENT_COMM_EST);
		break;
	case IB_EVENT_QP_LAST_WQE_REACHED:
		spin_lock_irqsave(&cm->lock, flags);
		if (rx->state <= IPIB_CM_RX_ERROR) {
			rx->state = IPIB_CM_RX_FLUSHED;
			drain_kick_locked(rx->dev);
		}
		spin_unlock_irqrestore(&cm->lock, flags);
		break;
	default:
		break;
	}
}

static void rx_destroy(struct ipib_dev *dev, struct ipib_cm_rx *rx)
{
	unsigned long flags;

	if (rx->id)
		ib_destroy_cm_id(rx->id);
	if (rx->qp)
		ib_destroy_qp(rx->qp);
	if (!dev->cm.use_srq) {
		ring_free(dev, &rx->ring);
		spin_lock_irqsave(&dev->cm.lock, flags);
		dev->cm.nonsrq_count--;
		spin_unlock_irqrestore(&dev->cm.lock, flags);
	}
	kfree(rx);
}

/**
 * ipib_cm_rx_reap - destroy the passive connections that are done
 * @dev: the interface
 * @force: destroy all of them (stop timed out)
 *
 * Runs on dev->wq (or under RTNL with the work flushed, when forced).
 * It first moves to ERR the replaced and idle ones, or every live one
 * while the interface stops.
 */
void ipib_cm_rx_reap(struct ipib_dev *dev, bool force)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_rx *rx, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);

	if (!force)
		rx_kill(dev, !READ_ONCE(cm->running));
	spin_lock_irqsave(&cm->lock, flags);
	list_for_each_entry_safe(rx, tmp, &cm->rx_list, node)
		if (force || rx->state == IPIB_CM_RX_DEAD)
			list_move_tail(&rx->node, &dead);
	if (force)
		cm->drain_posted = false;
	if (!list_empty(&dead))
		cm->reaping++;
	spin_unlock_irqrestore(&cm->lock, flags);

	if (list_empty(&dead))
		return;
	list_for_each_entry_safe(rx, tmp, &dead, node)
		rx_destroy(dev, rx);
	ipib_cm_reap_done(dev);
}

/**
 * ipib_cm_rx_idle - no passive connection is left
 * @dev: the interface
 *
 * Return: true when the list is empty.
 */
bool ipib_cm_rx_idle(struct ipib_dev *dev)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&dev->cm.lock, flags);
	idle = list_empty(&dev->cm.rx_list) && !dev->cm.req_busy &&
	       !dev->cm.reaping;
	spin_unlock_irqrestore(&dev->cm.lock, flags);
	return idle;
}

/**
 * ipib_cm_stale_worker - move idle passive connections to ERR
 * @work: dev->cm.stale_work
 *
 * A peer that went away without a DREQ leaves its connection behind; one
 * through which nothing arrived for IPIB_CM_RX_TIMEOUT is torn down.
 */
void ipib_cm_stale_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, cm.stale_work);

	rx_kill(dev, false);
	if (READ_ONCE(dev->cm.running) && !ipib_cm_rx_idle(dev))
		queue_delayed_work(dev->wq, &dev->cm.stale_work,
				   round_jiffies_relative(IPIB_CM_RX_SCAN));
}

/* ------------------------------------------------------------------ */
/* Accepting a connection                                              */

static struct ib_qp *rx_create_qp(struct ipib_dev *dev, struct ipib_cm_rx *rx)
{
	struct ipib_cm *cm = &dev->cm;
	struct ib_qp_init_attr attr = {
		.event_handler = rx_qp_event,
		.qp_context = rx,
		/* the drain WR's completion follows the receives */
		.send_cq = dev->ud.recv_cq,
		.recv_cq = dev->ud.recv_cq,
		.srq = cm->srq,
		.cap = {
			.max_send_wr = 1,
			.max_send_sge = 1,
			.max_recv_wr = cm->srq ? 0 : ipib_recvq_size,
			.max_recv_sge = cm->srq ? 0 : cm->nfrags,
		},
		.sq_sig_type = IB_SIGNAL_ALL_WR,
		.qp_type = IB_QPT_RC,
	};

	return ib_create_qp(dev->pd, &attr);
}

static int rx_modify(struct ipib_cm_rx *rx, enum ib_qp_state state, u32 psn)
{
	struct ib_qp_attr attr = { .qp_state = state };
	int mask, rc;

	rc = ib_cm_init_qp_attr(rx->id, &attr, &mask);
	if (rc)
		return rc;
	/* our receive PSN is the one the REP is about to announce */
	if (state == IB_QPS_RTR)
		attr.rq_psn = psn;
	return ib_modify_qp(rx->qp, &attr, mask);
}

/* QP through INIT (buffers posted there), RTR and RTS. */
static int rx_qp_ready(struct ipib_dev *dev, struct ipib_cm_rx *rx, u32 psn)
{
	int rc;

	rc = rx_modify(rx, IB_QPS_INIT, psn);
	if (rc)
		return rc;
	if (!dev->cm.use_srq) {
		rc = ring_alloc(&rx->ring);
		if (!rc)
			rc = ring_fill(dev, &rx->ring, rx);
		if (rc)
			return rc;
	}
	rc = rx_modify(rx, IB_QPS_RTR, psn);
	if (rc)
		return rc;
	return rx_modify(rx, IB_QPS_RTS, psn);
}

static int rx_send_rep(struct ipib_dev *dev, struct ipib_cm_rx *rx,
		       const struct ib_cm_req_event_param *req, u32 psn)
{
	struct ipib_cm_data data = {
		.qpn = cpu_to_be32(dev->qp->qp_num),
		.mtu = cpu_to_be32(dev->cm.rx_size),
	};
	struct ib_cm_rep_param rep = {
		.qp_num = rx->qp->qp_num,
		.starting_psn = psn,
		.private_data = &data,
		.private_data_len = sizeof(data),
		.rnr_retry_count = req->rnr_retry_count,
		.srq = dev->cm.use_srq,
	};

	return ib_send_cm_rep(rx->id, &rep);
}

/*
 * A REQ being accepted counts in req_busy until it is listed or undone,
 * so that stop waits for it; without an SRQ it also takes a slot of
 * max_nonsrq_conn_qp.
 */
static bool rx_admit(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&cm->lock, flags);
	ok = cm->running && (cm->use_srq || cm->nonsrq_count < cm->max_nonsrq);
	if (ok && !cm->use_srq)
		cm->nonsrq_count++;
	if (ok)
		cm->req_busy++;
	spin_unlock_irqrestore(&cm->lock, flags);
	return ok;
}

static void rx_admit_done(struct ipib_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->cm.lock, flags);
	dev->cm.req_busy--;
	spin_unlock_irqrestore(&dev->cm.lock, flags);
}

/*
 * List an accepted connection; false when the interface is stopping (the
 * caller then undoes it, and only then leaves req_busy).
 */
static bool rx_publish(struct ipib_dev *dev, struct ipib_cm_rx *rx)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_rx *old;
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&cm->lock, flags);
	ok = cm->running;
	if (ok) {
		/* a peer interface sends on one connection: older ones died */
		list_for_each_entry(old, &cm->rx_list, node)
			if (old->peer_qpn == rx->peer_qpn &&
			    !memcmp(&old->peer_gid, &rx->peer_gid,
				    sizeof(old->peer_gid)))
				old->replaced = true;
		list_add_tail(&rx->node, &cm->rx_list);
		cm->req_busy--;
	}
	spin_unlock_irqrestore(&cm->lock, flags);
	if (ok)
		queue_reap(dev);
	if (ok)
		queue_delayed_work(dev->wq, &cm->stale_work,
				   round_jiffies_relative(IPIB_CM_RX_SCAN));
	return ok;
}

/*
 * The SRQ gets its buffers with the first connection: an interface nobody
 * connects to (most children, datagram-only fabrics) keeps its
 * recv_queue_size x 64 KiB.  Process context (a REQ).
 */
static int srq_fill(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	int rc = 0;

	mutex_lock(&cm->srq_mutex);
	if (!cm->srq_filled) {
		rc = ring_fill(dev, &cm->srq_ring, NULL);
		cm->srq_filled = !rc;
	}
	mutex_unlock(&cm->srq_mutex);
	return rc;
}

/* A connection for the REQ of @ev, its QP not created yet. */
static struct ipib_cm_rx *rx_new(struct ipib_dev *dev, struct ib_cm_id *id,
				 const struct ib_cm_event *ev)
{
	const struct ib_cm_req_event_param *req = &ev->param.req_rcvd;
	const struct ipib_cm_data *data = ev->private_data;
	struct ipib_cm_rx *rx;

	rx = kzalloc(sizeof(*rx), GFP_KERNEL);
	if (!rx)
		return NULL;
	rx->dev = dev;
	rx->id = id;
	rx->remote_qpn = req->remote_qpn;
	/* the high byte is reserved */
	rx->peer_qpn = be32_to_cpu(data->qpn) & IPIB_QPN_MASK;
	rx->peer_gid = req->primary_path->dgid;
	rx->created = jiffies;
	rx->last_rx = jiffies;
	return rx;
}

static int rx_req(struct ib_cm_id *id, const struct ib_cm_event *ev)
{
	const struct ib_cm_req_event_param *req = &ev->param.req_rcvd;
	struct ipib_dev *dev = id->context;
	u32 psn = get_random_u32() & IPIB_QPN_MASK;
	struct ipib_cm_rx *rx;
	int rc = -EBUSY;

	if (!rx_admit(dev))
		goto reject;
	rc = dev->cm.use_srq ? srq_fill(dev) : 0;
	if (rc)
		goto reject_busy;
	rc = -ENOMEM;
	rx = rx_new(dev, id, ev);
	if (!rx)
		goto unadmit;
	rx->qp = rx_create_qp(dev, rx);
	if (IS_ERR(rx->qp)) {
		rc = PTR_ERR(rx->qp);
		rx->qp = NULL;
		goto free_rx;
	}
	rc = rx_qp_ready(dev, rx, psn);
	if (rc)
		goto free_rx;
	rc = -EBUSY;
	if (!rx_publish(dev, rx))
		goto free_rx;
	/* from here on the connection's own events reach it */
	id->context = rx;
	atomic64_inc(&dev->cm.stats.rx_accepted);
	if (rx_send_rep(dev, rx, req, psn)) {
		ipib_warn(dev, "could not send a REP\n");
		rx_set_error(rx);
	}
	return 0;

free_rx:
	/* the CM destroys the ID when we return an error */
	rx->id = NULL;
	rx_destroy(dev, rx);
	goto reject_busy;
unadmit:
	if (!dev->cm.use_srq) {
		unsigned long flags;

		spin_lock_irqsave(&dev->cm.lock, flags);
		dev->cm.nonsrq_count--;
		spin_unlock_irqrestore(&dev->cm.lock, flags);
	}
reject_busy:
	rx_admit_done(dev);
reject:
	atomic64_inc(&dev->cm.stats.rx_rejected);
	ipib_dbg(dev, "rejecting a connection from QPN 0x%06x: %d\n",
		 req->remote_qpn, rc);
	ib_send_cm_rej(id, IB_CM_REJ_NO_QP, NULL, 0, NULL, 0);
	return rc;
}

static int rx_cm_handler(struct ib_cm_id *id, const struct ib_cm_event *ev)
{
	switch (ev->event) {
	case IB_CM_REQ_RECEIVED:
		return rx_req(id, ev);
	case IB_CM_DREQ_RECEIVED:
		ib_send_cm_drep(id, NULL, 0);
		fallthrough;
	case IB_CM_REJ_RECEIVED:
	case IB_CM_REP_ERROR:
	case IB_CM_DREQ_ERROR:
		rx_set_error(id->context);
		return 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Receive completions (RX NAPI)                                       */

/* A small packet is copied; its buffer goes straight back. */
static struct sk_buff *rx_copy(struct ipib_dev *dev,
			       struct ipib_cm_rx_buf *buf, unsigned int len)
{
	struct sk_buff *skb;

	skb = ipib_rx_small_skb(len);
	if (unlikely(!skb))
		return NULL;
	ib_dma_sync_single_for_cpu(dev->ca, buf->mapping[0], len,
				   DMA_FROM_DEVICE);
	skb_put_data(skb, page_address(buf->pages[0]), len);
	ib_dma_sync_single_for_device(dev->ca, buf->mapping[0], len,
				      DMA_FROM_DEVICE);
	return skb;
}

/*
 * A large packet keeps the pages it filled, as fragments; fresh pages
 * take their place in the buffer first, so a failure loses nothing.
 */
static struct sk_buff *rx_pages(struct ipib_dev *dev,
				struct ipib_cm_rx_buf *buf, unsigned int len)
{
	unsigned int n = DIV_ROUND_UP(len, PAGE_SIZE), i, off = 0;
	struct page *fresh[IPIB_CM_MAX_FRAGS];
	u64 map[IPIB_CM_MAX_FRAGS];
	struct sk_buff *skb;

	if (pages_get(dev, dev->cm.pool, fresh, map, n, GFP_ATOMIC))
		return NULL;
	/* a slab head: napi_alloc_skb() would cut it from a page of its own */
	skb = ipib_rx_small_skb(IPIB_RX_HEAD);
	if (unlikely(!skb)) {
		for (i = 0; i < n; i++) {
			ib_dma_unmap_page(dev->ca, map[i], PAGE_SIZE,
					  DMA_FROM_DEVICE);
			page_release(fresh[i]);
		}
		return NULL;
	}
	for (i = 0; i < n; i++, off += PAGE_SIZE) {
		ib_dma_unmap_page(dev->ca, buf->mapping[i], PAGE_SIZE,
				  DMA_FROM_DEVICE);
		skb_add_rx_frag(skb, i, buf->pages[i], 0,
				min_t(unsigned int, len - off, PAGE_SIZE),
				PAGE_SIZE);
		buf->pages[i] = fresh[i];
		buf->mapping[i] = map[i];
	}
	/* pool pages go back to their pool when the stack frees the skb */
	skb_mark_for_recycle(skb);
	if (unlikely(!pskb_may_pull(skb, min(len, IPIB_RX_HEAD)))) {
		dev_kfree_skb_any(skb);
		return NULL;
	}
	return skb;
}

/* Give a buffer back to its queue, or (own ring, dying) free it. */
static void rx_recycle(struct ipib_dev *dev, struct ipib_cm_rx *rx,
		       unsigned int idx)
{
	struct ipib_cm *cm = &dev->cm;
	unsigned long flags;

	if (cm->use_srq) {
		if (unlikely(post_srq(dev, idx))) {
			ipib_warn(dev, "SRQ receive post failed\n");
			buf_free(dev, &cm->srq_ring.bufs[idx]);
			cm->srq_ring.posted--;
		}
		return;
	}
	if (likely(READ_ONCE(rx->state) == IPIB_CM_RX_LIVE) &&
	    likely(!post_qp(dev, rx, idx)))
		return;
	buf_free(dev, &rx->ring.bufs[idx]);
	if (--rx->ring.posted)
		return;
	/* every buffer is back: nothing of this QP is left in the CQ */
	spin_lock_irqsave(&cm->lock, flags);
	rx->state = IPIB_CM_RX_DEAD;
	spin_unlock_irqrestore(&cm->lock, flags);
	queue_reap(dev);
}

static void rx_error(struct ipib_dev *dev, struct ipib_cm_rx *rx,
		     struct ib_wc *wc)
{
	unsigned long flags;

	if (wc->status == IB_WC_WR_FLUSH_ERR)
		return;
	ipib_dbg(dev, "connected-mode receive error %d from QPN 0x%06x\n",
		 wc->status, rx->remote_qpn);
	atomic64_inc(&dev->ud.rx.errors);
	/* the QP is in ERR already */
	spin_lock_irqsave(&dev->cm.lock, flags);
	if (rx->state == IPIB_CM_RX_LIVE)
		rx->state = IPIB_CM_RX_ERROR;
	spin_unlock_irqrestore(&dev->cm.lock, flags);
}

/**
 * ipib_cm_rx_wc - one completion of a passive QP
 * @dev: the interface
 * @wc: the completion (IPIB_WR_CM set in its WR id)
 *
 * RX NAPI context.
 */
void ipib_cm_rx_wc(struct ipib_dev *dev, struct ib_wc *wc)
{
	struct ipib_cm_rx *rx = wc->qp->qp_context;
	unsigned int idx = wc->wr_id & ~IPIB_WR_CM;
	struct ipib_cm_rx_ring *ring;
	struct ipib_cm_rx_buf *buf;
	struct sk_buff *skb;
	unsigned long now;

	if (wc->wr_id == IPIB_CM_DRAIN_WRID) {
		drain_done(dev);
		return;
	}
	ring = dev->cm.use_srq ? &dev->cm.srq_ring : &rx->ring;
	if (unlikely(idx >= ring->size))
		return;
	buf = &ring->bufs[idx];
	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		rx_error(dev, rx, wc);
		rx_recycle(dev, rx, idx);
		return;
	}
	now = jiffies;
	if (READ_ONCE(rx->last_rx) != now)
		WRITE_ONCE(rx->last_rx, now);

	skb = NULL;
	if (likely(wc->byte_len >= IPIB_ENCAP_LEN))
		skb = wc->byte_len <= IPIB_RX_COPYBREAK ?
		      rx_copy(dev, buf, wc->byte_len) :
		      rx_pages(dev, buf, wc->byte_len);
	rx_recycle(dev, rx, idx);
	if (unlikely(!skb)) {
		ipib_count_drop(dev, wc->byte_len < IPIB_ENCAP_LEN ?
				IPIB_DROP_RX_LENGTH : IPIB_DROP_RX_NOMEM);
		dev_core_stats_rx_dropped_inc(dev->ndev);
		return;
	}
	ipib_rx_deliver_rc(dev, skb, wc->slid);
}

/* ------------------------------------------------------------------ */
/* Open and stop                                                       */

/*
 * The pool holds what the stack gave back until the RX NAPI needs it: at
 * most as many pages as the receive queue has posted, and no DMA mapping
 * of its own (the pages are mapped through the IB device as they are
 * posted, which a software device does without a struct device).
 */
static void pool_open(struct ipib_dev *dev)
{
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = ipib_recvq_size * dev->cm.nfrags,
		.nid = NUMA_NO_NODE,
		.netdev = dev->ndev,
	};
	struct page_pool *pool;

	pool = page_pool_create(&pp);
	/* without one, the pages come from the allocator */
	dev->cm.pool = IS_ERR(pool) ? NULL : pool;
}

static int srq_open(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	struct ib_srq_init_attr attr = {
		.srq_type = IB_SRQT_BASIC,
		.attr = {
			.max_wr = ipib_recvq_size,
			.max_sge = cm->nfrags,
		},
	};
	int rc;

	cm->srq = ib_create_srq(dev->pd, &attr);
	if (IS_ERR(cm->srq)) {
		rc = PTR_ERR(cm->srq);
		cm->srq = NULL;
		return rc;
	}
	cm->srq_filled = false;
	rc = ring_alloc(&cm->srq_ring);
	if (rc)
		ipib_cm_rx_close(dev);
	return rc;
}

/**
 * ipib_cm_rx_open - the SRQ with its buffers, and the listener
 * @dev: the interface (RTNL, opening)
 *
 * Return: 0 or a negative errno (nothing left behind).
 */
int ipib_cm_rx_open(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	struct ib_cm_id *id;
	int rc;

	ASSERT_RTNL();
	pool_open(dev);
	if (cm->use_srq) {
		rc = srq_open(dev);
		if (rc)
			return rc;
	}
	id = ib_create_cm_id(dev->ca, rx_cm_handler, dev);
	if (IS_ERR(id)) {
		rc = PTR_ERR(id);
		goto err_close;
	}
	rc = ib_cm_listen(id, cpu_to_be64(IPIB_CM_SERVICE_PREFIX |
					  dev->qp->qp_num));
	if (rc) {
		ib_destroy_cm_id(id);
		goto err_close;
	}
	cm->listen_id = id;
	return 0;

err_close:
	ipib_cm_rx_close(dev);
	return rc;
}

/**
 * ipib_cm_rx_stop - no new connection; the CM work tears down the others
 * @dev: the interface (RTNL; dev->cm.running already false)
 */
void ipib_cm_rx_stop(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	if (dev->cm.listen_id) {
		ib_destroy_cm_id(dev->cm.listen_id);
		dev->cm.listen_id = NULL;
	}
}

/**
 * ipib_cm_rx_close - destroy the SRQ, free its buffers and the page pool
 * @dev: the interface (no passive QP left, so no completion that could
 *	take a page from the pool)
 *
 * Pages the stack still holds keep the pool alive until they come back.
 */
void ipib_cm_rx_close(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;

	if (cm->srq) {
		ib_destroy_srq(cm->srq);
		cm->srq = NULL;
	}
	ring_free(dev, &cm->srq_ring);
	page_pool_destroy(cm->pool);
	cm->pool = NULL;
}

/**
 * ipib_cm_rx_dump - one debugfs line per passive connection
 * @dev: the interface
 * @m: the seq_file
 */
void ipib_cm_rx_dump(struct ipib_dev *dev, struct seq_file *m)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_rx *rx;

	spin_lock_irq(&cm->lock);
	list_for_each_entry(rx, &cm->rx_list, node)
		seq_printf(m, "rx %pI6 state %s qpn 0x%06x remote_qpn 0x%06x age_ms %u\n",
			   rx->peer_gid.raw, rx_state_name[rx->state],
			   rx->qp->qp_num, rx->remote_qpn,
			   jiffies_to_msecs(jiffies - rx->created));
	spin_unlock_irq(&cm->lock);
}
