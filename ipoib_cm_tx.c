// SPDX-License-Identifier: GPL-2.0
/*
 * Connected mode, active side: one RC connection per neighbour whose
 * hardware address has the RC flag.  The transmit path creates it (the
 * neighbour's path resolved, skbs wait on the neighbour meanwhile), the
 * CM work sends the REQ, the REP brings the QP to RTS and releases the
 * waiting skbs.  A REJ, a timeout, a DREQ or a send error detach it from
 * its neighbour, which then uses UD for a second before trying again;
 * the CM work reaps it.  Sends share UD queue 0's send CQ and TX queue 0
 * (see ipib_cm_wanted()); dev->cm.tx_inflight bounds them all together.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/delay.h>
#include <rdma/ib_cm.h>

#include "ipoib.h"

#define IPIB_CM_RETRY		HZ	/* UD only, after a refused connection */
#define IPIB_CM_RETRY_SOON	(HZ / 10)	/* after any other failure */
#define IPIB_CM_RETRY_COUNT	7	/* transport retries of our QPs */
#define IPIB_CM_DRAIN_TIMEOUT	(5 * HZ)
#define IPIB_CM_RESPONSE	20	/* CM response timeout, 4.096 us << 20 */
#define IPIB_CM_RETRIES		15

static const char *const tx_state_name[] = {
	[IPIB_CM_TX_START] = "pending",
	[IPIB_CM_TX_PENDING] = "pending",
	[IPIB_CM_TX_UP] = "up",
	[IPIB_CM_TX_DEAD] = "dead",
};

/**
 * ipib_cm_wanted - should unicast to @daddr go over a connection?
 * @dev: the interface
 * @daddr: the destination hardware address
 * @skb: the packet
 *
 * A connection's send ring has one producer, the TX lock of TX queue 0
 * (ipib_select_queue() puts every packet there in connected mode); a
 * packet that picked another queue just before the mode changed goes
 * over UD.
 *
 * Return: true in connected mode toward an RC-capable peer, on queue 0.
 */
bool ipib_cm_wanted(struct ipib_dev *dev, const u8 *daddr,
		    const struct sk_buff *skb)
{
	return READ_ONCE(dev->mode) == IPIB_MODE_CONNECTED &&
	       (daddr[0] & IPIB_FLAG_RC) && !skb_get_queue_mapping(skb);
}

static void tx_set_state(struct ipib_dev *dev, struct ipib_cm_tx *tx,
			 enum ipib_cm_tx_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->cm.lock, flags);
	tx->state = state;
	spin_unlock_irqrestore(&dev->cm.lock, flags);
}

/* Unlink @tx from its neighbour; it is dead from now on. */
static void tx_detach_locked(struct ipib_dev *dev, struct ipib_cm_tx *tx)
{
	lockdep_assert_held(&dev->lock);
	if (tx->neigh) {
		RCU_INIT_POINTER(tx->neigh->cm, NULL);
		tx->neigh = NULL;
	}
	WRITE_ONCE(tx->up, false);
	tx_set_state(dev, tx, IPIB_CM_TX_DEAD);
	queue_work(dev->wq, &dev->cm.work);
}

/**
 * ipib_cm_neigh_detach_locked - a neighbour goes: its connection too
 * @dev: the interface
 * @neigh: the neighbour being removed
 */
void ipib_cm_neigh_detach_locked(struct ipib_dev *dev,
				 struct ipib_neigh *neigh)
{
	struct ipib_cm_tx *tx;

	lockdep_assert_held(&dev->lock);
	tx = rcu_dereference_protected(neigh->cm, lockdep_is_held(&dev->lock));
	if (tx)
		tx_detach_locked(dev, tx);
}

/*
 * The connection failed: the neighbour keeps its path and AH and sends
 * over UD for a while, skbs that waited for the connection included; the
 * next packet after that tries a new connection.  A peer that @refused
 * for lack of resources gets a second (and packets too big for UD get
 * ICMP, so TCP settles on the UD MTU); after any other failure (a peer
 * restarting, a lost packet) the retry comes after a tenth of a second,
 * and packets too big for UD are dropped rather than lowering the path
 * MTU for the next ten minutes.  Any context but hard IRQ.
 */
static void tx_fail(struct ipib_cm_tx *tx, bool refused)
{
	struct ipib_dev *dev = tx->dev;
	struct sk_buff_head q;
	bool counted = false;

	__skb_queue_head_init(&q);
	spin_lock_bh(&dev->lock);
	if (tx->neigh) {
		tx->neigh->cm_retry_at = jiffies + (refused ? IPIB_CM_RETRY :
						    IPIB_CM_RETRY_SOON);
		tx->neigh->cm_refused = refused;
		skb_queue_splice_init(&tx->neigh->queue, &q);
		tx_detach_locked(dev, tx);
		counted = true;
	}
	spin_unlock_bh(&dev->lock);
	if (counted)
		atomic64_inc(&dev->cm.stats.tx_failed);
	ipib_send_skb_queue(dev, &q);
}

static struct ipib_cm_tx *tx_create_locked(struct ipib_dev *dev,
					   struct ipib_neigh *neigh)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_tx *tx;
	unsigned long flags;

	lockdep_assert_held(&dev->lock);
	tx = kzalloc(sizeof(*tx), GFP_ATOMIC);
	if (!tx)
		return NULL;
	tx->dev = dev;
	tx->neigh = neigh;
	tx->path = neigh->path->rec;
	memcpy(tx->addr, neigh->addr, sizeof(tx->addr));
	tx->state = IPIB_CM_TX_START;
	tx->created = jiffies;

	spin_lock_irqsave(&cm->lock, flags);
	if (!cm->running) {
		spin_unlock_irqrestore(&cm->lock, flags);
		kfree(tx);
		return NULL;
	}
	list_add_tail(&tx->node, &cm->tx_list);
	spin_unlock_irqrestore(&cm->lock, flags);

	rcu_assign_pointer(neigh->cm, tx);
	atomic64_inc(&cm->stats.tx_created);
	queue_work(dev->wq, &cm->work);
	return tx;
}

/**
 * ipib_cm_tx_get_locked - the connection a packet to @neigh should use
 * @dev: the interface
 * @neigh: a neighbour with a resolved path, RC-capable, connected mode
 * @ud: set when the packet should go over UD instead
 *
 * Creates the connection when there is none and the neighbour is not
 * backing off after a failure.
 *
 * Return: the connection (up, or still being set up: queue the packet),
 * or NULL with *@ud set.
 */
struct ipib_cm_tx *ipib_cm_tx_get_locked(struct ipib_dev *dev,
					 struct ipib_neigh *neigh, bool *ud)
{
	struct ipib_cm_tx *tx;

	lockdep_assert_held(&dev->lock);
	*ud = false;
	tx = rcu_dereference_protected(neigh->cm, lockdep_is_held(&dev->lock));
	if (tx)
		return tx;
	if (!neigh->path || time_before(jiffies, neigh->cm_retry_at))
		tx = NULL;
	else
		tx = tx_create_locked(dev, neigh);
	*ud = !tx;
	return tx;
}

/* ------------------------------------------------------------------ */
/* Setting up                                                          */

static struct ib_qp *tx_create_qp(struct ipib_dev *dev, struct ipib_cm_tx *tx)
{
	struct ib_qp_init_attr attr = {
		.qp_context = tx,
		.send_cq = dev->ud.txq[0].cq,
		.recv_cq = dev->ud.recv_cq,
		.cap = {
			.max_send_wr = ipib_sendq_size,
			.max_send_sge = dev->ud.max_send_sge,
			/* the peer never sends on it */
			.max_recv_wr = 1,
			.max_recv_sge = 1,
		},
		.sq_sig_type = IB_SIGNAL_ALL_WR,
		.qp_type = IB_QPT_RC,
	};

	return ib_create_qp(dev->pd, &attr);
}

static int tx_qp_init(struct ipib_dev *dev, struct ipib_cm_tx *tx)
{
	struct ib_qp_attr attr = {
		.qp_state = IB_QPS_INIT,
		.pkey_index = READ_ONCE(dev->pkey_index),
		.port_num = dev->port,
	};

	return ib_modify_qp(tx->qp, &attr, IB_QP_STATE | IB_QP_PKEY_INDEX |
			    IB_QP_PORT | IB_QP_ACCESS_FLAGS);
}

static int tx_send_req(struct ipib_dev *dev, struct ipib_cm_tx *tx)
{
	struct ipib_cm_data data = {
		.qpn = cpu_to_be32(dev->qp->qp_num),
		.mtu = cpu_to_be32(dev->cm.rx_size),
	};
	struct ib_cm_req_param req = {
		.primary_path = &tx->path,
		.service_id = cpu_to_be64(IPIB_CM_SERVICE_PREFIX |
					  ipib_addr_qpn(tx->addr)),
		.qp_num = tx->qp->qp_num,
		.qp_type = IB_QPT_RC,
		.starting_psn = get_random_u32() & IPIB_QPN_MASK,
		.private_data = &data,
		.private_data_len = sizeof(data),
		.responder_resources = 4,
		.remote_cm_response_timeout = IPIB_CM_RESPONSE,
		.local_cm_response_timeout = IPIB_CM_RESPONSE,
		/*
		 * A lost packet is sent again rather than ending the
		 * connection (the distribution's driver sets 0); a receiver
		 * without a buffer still ends it at once.
		 */
		.retry_count = IPIB_CM_RETRY_COUNT,
		.rnr_retry_count = 0,
		.max_cm_retries = IPIB_CM_RETRIES,
	};

	return ib_send_cm_req(tx->id, &req);
}

/* Ring, QP (to INIT), CM ID, REQ: whatever exists on failure is reaped. */
static int tx_connect(struct ipib_dev *dev, struct ipib_cm_tx *tx)
{
	struct ipib_send_ring *ring;
	struct ib_cm_id *id;
	struct ib_qp *qp;
	int rc;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	rc = ipib_send_ring_init(ring, ipib_sendq_size);
	if (rc) {
		kfree(ring);
		return rc;
	}
	tx->ring = ring;
	qp = tx_create_qp(dev, tx);
	if (IS_ERR(qp))
		return PTR_ERR(qp);
	WRITE_ONCE(tx->qp, qp);
	rc = tx_qp_init(dev, tx);
	if (rc)
		return rc;
	id = ib_create_cm_id(dev->ca, ipib_cm_tx_handler, tx);
	if (IS_ERR(id))
		return PTR_ERR(id);
	tx->id = id;
	return tx_send_req(dev, tx);
}

/**
 * ipib_cm_tx_start - send the REQ of every new connection
 * @dev: the interface (the CM work)
 */
void ipib_cm_tx_start(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_tx *tx, *found;
	int rc;

	do {
		found = NULL;
		spin_lock_irq(&cm->lock);
		list_for_each_entry(tx, &cm->tx_list, node) {
			if (tx->state == IPIB_CM_TX_START) {
				tx->state = IPIB_CM_TX_PENDING;
				found = tx;
				break;
			}
		}
		spin_unlock_irq(&cm->lock);
		if (!found)
			break;
		rc = tx_connect(dev, found);
		if (rc) {
			ipib_warn(dev, "could not connect to QPN 0x%06x: %d\n",
				  ipib_addr_qpn(found->addr), rc);
			tx_fail(found, false);
		}
	} while (found);
}

static int tx_modify(struct ipib_cm_tx *tx, enum ib_qp_state state)
{
	struct ib_qp_attr attr = { .qp_state = state };
	int mask, rc;

	rc = ib_cm_init_qp_attr(tx->id, &attr, &mask);
	if (rc)
		return rc;
	return ib_modify_qp(tx->qp, &attr, mask);
}

static int tx_rep(struct ipib_cm_tx *tx, const struct ib_cm_event *ev)
{
	const struct ipib_cm_data *data = ev->private_data;
	unsigned int size = be32_to_cpu(data->mtu);
	struct ipib_dev *dev = tx->dev;
	struct sk_buff_head q;
	int rc;

	if (size <= IPIB_ENCAP_LEN)
		return -EINVAL;
	rc = tx_modify(tx, IB_QPS_RTR);
	if (!rc)
		rc = tx_modify(tx, IB_QPS_RTS);
	if (rc)
		return rc;
	rc = ib_send_cm_rtu(tx->id, NULL, 0);
	if (rc)
		return rc;

	__skb_queue_head_init(&q);
	spin_lock_bh(&dev->lock);
	if (tx->neigh) {
		tx->mtu = min_t(unsigned int, size - IPIB_ENCAP_LEN,
				IPIB_CM_MTU);
		tx->remote_qpn = ev->param.rep_rcvd.remote_qpn;
		tx_set_state(dev, tx, IPIB_CM_TX_UP);
		/* ring, QP and MTU are ready before a sender sees it up */
		smp_store_release(&tx->up, true);
		skb_queue_splice_init(&tx->neigh->queue, &q);
		tx->neigh->cm_refused = false;
	}
	spin_unlock_bh(&dev->lock);
	atomic64_inc(&dev->cm.stats.tx_up);
	ipib_send_skb_queue(dev, &q);
	return 0;
}

/* The peer is there but has no room for us (not: nobody listens). */
static bool tx_refused(enum ib_cm_rej_reason reason)
{
	switch (reason) {
	case IB_CM_REJ_NO_QP:
	case IB_CM_REJ_NO_EEC:
	case IB_CM_REJ_NO_RESOURCES:
	case IB_CM_REJ_CONSUMER_DEFINED:
		return true;
	default:
		return false;
	}
}

/**
 * ipib_cm_tx_handler - CM events of an active connection
 * @id: its CM ID
 * @ev: the event
 *
 * Return: 0; the ID is destroyed by the reaper, never by the CM.
 */
int ipib_cm_tx_handler(struct ib_cm_id *id, const struct ib_cm_event *ev)
{
	struct ipib_cm_tx *tx = id->context;

	switch (ev->event) {
	case IB_CM_REP_RECEIVED:
		if (tx_rep(tx, ev)) {
			ib_send_cm_rej(id, IB_CM_REJ_CONSUMER_DEFINED,
				       NULL, 0, NULL, 0);
			tx_fail(tx, false);
		}
		break;
	case IB_CM_DREQ_RECEIVED:
		ib_send_cm_drep(id, NULL, 0);
		tx_fail(tx, false);
		break;
	case IB_CM_REJ_RECEIVED:
		ipib_dbg(tx->dev, "QPN 0x%06x refused the connection: reason %d\n",
			 ipib_addr_qpn(tx->addr), ev->param.rej_rcvd.reason);
		tx_fail(tx, tx_refused(ev->param.rej_rcvd.reason));
		break;
	case IB_CM_REQ_ERROR:
	case IB_CM_TIMEWAIT_EXIT:
		ipib_dbg(tx->dev, "connection to QPN 0x%06x ends: CM event %d\n",
			 ipib_addr_qpn(tx->addr), ev->event);
		tx_fail(tx, false);
		break;
	default:
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/**
 * ipib_cm_send - post one skb on an established connection
 * @dev: the interface
 * @tx: the connection (up; read in an RCU section)
 * @skb: data at the IPoIB header; consumed
 *
 * Transmit path: netif TX lock held, BH off.
 */
void ipib_cm_send(struct ipib_dev *dev, struct ipib_cm_tx *tx,
		  struct sk_buff *skb)
{
	struct ipib_send_ring *ring = tx->ring;
	struct ib_sge sge[MAX_SKB_FRAGS + 1];
	struct ib_send_wr wr = {};
	unsigned int seq = ring->head;
	struct ipib_tx_buf *buf = ipib_send_slot(ring, seq);
	unsigned int nsge;
	int rc;

	if (unlikely(skb->len > tx->mtu + IPIB_ENCAP_LEN)) {
		ipib_tx_too_big(dev, skb, tx->mtu);
		return;
	}
	if (unlikely(!READ_ONCE(dev->qp_ready))) {
		ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_NOT_READY);
		return;
	}
	if (unlikely(ipib_send_ring_full(ring) ||
		     atomic_read(&dev->cm.tx_inflight) >= ipib_sendq_size)) {
		ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_RING_FULL);
		return;
	}
	nsge = skb_shinfo(skb)->nr_frags + !!skb_headlen(skb);
	if (nsge > dev->ud.max_send_sge && skb_linearize(skb))
		goto drop;

	buf->skb = skb;
	if (unlikely(ipib_tx_map(dev, buf, sge)))
		goto drop_clear;
	wr.wr_id = IPIB_WR_CM | (seq & ring->mask);
	wr.sg_list = sge;
	wr.num_sge = buf->nmaps;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;

	skb_tx_timestamp(skb);
	atomic_inc(&dev->cm.tx_inflight);
	rc = ib_post_send(tx->qp, &wr, NULL);
	if (unlikely(rc)) {
		atomic_dec(&dev->cm.tx_inflight);
		ipib_tx_unmap(dev, buf);
		goto drop_clear;
	}
	/* the slot is filled before the consumer sees the new head */
	smp_store_release(&ring->head, seq + 1);
	ipib_tx_kick(&dev->ud.txq[0]);
	ipib_tx_maybe_stop(dev, &dev->ud.txq[0]);
	return;

drop_clear:
	buf->skb = NULL;
	atomic64_inc(&dev->ud.txq[0].ring.errors);
drop:
	ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_SEND_ERROR);
}

/**
 * ipib_cm_tx_complete - retire the oldest send of a connection
 * @dev: the interface
 * @wc: its completion (IPIB_WR_CM set)
 * @budget: NAPI budget
 *
 * TX NAPI context.  Only completed sends count as sent.
 */
void ipib_cm_tx_complete(struct ipib_dev *dev, struct ib_wc *wc, int budget)
{
	struct ipib_cm_tx *tx = wc->qp->qp_context;
	int rc;

	rc = ipib_send_ring_retire(dev, tx->ring, wc->wr_id & ~IPIB_WR_CM, wc,
				   &dev->ud.txq[0].ring, budget);
	if (rc == -EINVAL)
		return;
	atomic_dec(&dev->cm.tx_inflight);
	if (rc == -EIO) {
		ipib_dbg(dev, "connected-mode send error %d to QPN 0x%06x\n",
			 wc->status, ipib_addr_qpn(tx->addr));
		/* the reaper frees it only after this NAPI poll */
		tx_fail(tx, false);
	}
}

/* ------------------------------------------------------------------ */
/* Teardown                                                            */

/* QP to ERR and wait for the TX NAPI to take every flushed send. */
static void tx_drain(struct ipib_dev *dev, struct ipib_cm_tx *tx, bool force)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	unsigned long deadline = jiffies + IPIB_CM_DRAIN_TIMEOUT;
	struct ipib_send_ring *ring = tx->ring;
	unsigned int left;

	ib_modify_qp(tx->qp, &attr, IB_QP_STATE);
	/* pairs with the release of the tail in ipib_send_ring_retire() */
	while (!force && smp_load_acquire(&ring->tail) != READ_ONCE(ring->head)) {
		if (time_after(jiffies, deadline))
			break;
		usleep_range(1000, 2000);
	}
	left = ipib_send_ring_used(ring);
	if (left) {
		ipib_warn(dev, "%u connected-mode sends never completed\n", left);
		ipib_send_ring_force_free(dev, ring);
		atomic_sub(left, &dev->cm.tx_inflight);
	}
}

static void tx_destroy(struct ipib_dev *dev, struct ipib_cm_tx *tx,
		       bool force)
{
	/* sends a DREQ when connected; waits for the handler to return */
	if (tx->id)
		ib_destroy_cm_id(tx->id);
	if (tx->qp) {
		tx_drain(dev, tx, force);
		ib_destroy_qp(tx->qp);
	}
	if (tx->ring) {
		ipib_send_ring_uninit(tx->ring);
		kfree(tx->ring);
	}
	kfree_rcu(tx, rcu);
}

/**
 * ipib_cm_tx_reap - destroy dead active connections
 * @dev: the interface
 * @force: all of them, without waiting for their sends (stop timed out)
 */
void ipib_cm_tx_reap(struct ipib_dev *dev, bool force)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_tx *tx, *tmp;
	LIST_HEAD(dead);

	spin_lock_irq(&cm->lock);
	list_for_each_entry_safe(tx, tmp, &cm->tx_list, node)
		if (force || tx->state == IPIB_CM_TX_DEAD)
			list_move_tail(&tx->node, &dead);
	if (!list_empty(&dead))
		cm->reaping++;
	spin_unlock_irq(&cm->lock);
	if (list_empty(&dead))
		return;
	/* no transmit that found one through its neighbour runs any more */
	synchronize_net();
	list_for_each_entry_safe(tx, tmp, &dead, node)
		tx_destroy(dev, tx, force);
	ipib_cm_reap_done(dev);
}

/**
 * ipib_cm_tx_idle - no active connection is left
 * @dev: the interface
 *
 * Return: true when the list is empty.
 */
bool ipib_cm_tx_idle(struct ipib_dev *dev)
{
	bool idle;

	spin_lock_irq(&dev->cm.lock);
	idle = list_empty(&dev->cm.tx_list) && !dev->cm.reaping;
	spin_unlock_irq(&dev->cm.lock);
	return idle;
}

/**
 * ipib_cm_tx_kill_all - detach every active connection from its neighbour
 * @dev: the interface
 *
 * Every connection that is not dead is attached to a neighbour, so
 * walking the neighbours finds them all.
 */
void ipib_cm_tx_kill_all(struct ipib_dev *dev)
{
	struct ipib_neigh *neigh;

	spin_lock_bh(&dev->lock);
	list_for_each_entry(neigh, &dev->neigh_list, node)
		ipib_cm_neigh_detach_locked(dev, neigh);
	spin_unlock_bh(&dev->lock);
}

/**
 * ipib_cm_tx_dump - one debugfs line per active connection
 * @dev: the interface
 * @m: the seq_file
 */
void ipib_cm_tx_dump(struct ipib_dev *dev, struct seq_file *m)
{
	struct ipib_cm *cm = &dev->cm;
	struct ipib_cm_tx *tx;

	spin_lock_irq(&cm->lock);
	list_for_each_entry(tx, &cm->tx_list, node) {
		struct ib_qp *qp = READ_ONCE(tx->qp);

		seq_printf(m, "tx %*phC state %s qpn 0x%06x remote_qpn 0x%06x mtu %u age_ms %u\n",
			   (int)sizeof(tx->addr), tx->addr,
			   tx_state_name[tx->state], qp ? qp->qp_num : 0,
			   tx->remote_qpn, tx->mtu,
			   jiffies_to_msecs(jiffies - tx->created));
	}
	spin_unlock_irq(&cm->lock);
}
