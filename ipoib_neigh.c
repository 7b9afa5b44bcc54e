// SPDX-License-Identifier: GPL-2.0
/*
 * IPoIB neighbours: unicast destinations keyed by the full 20-byte hardware
 * address (flags, QPN, GID).  The table is an rhashtable, so it grows and
 * shrinks with the number of neighbours; lookups are RCU, updates happen
 * under dev->lock.  A neighbour holds a reference on its path's AH and
 * keeps at most IPIB_MAX_QUEUED skbs while the path is being resolved.
 * Neighbours through which nothing was sent or queued for more than twice
 * the ARP gc_interval are collected, so one whose packets are only being
 * dropped goes away and the next packet starts afresh.
 */
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <net/arp.h>

#include "ipoib.h"

static const struct rhashtable_params neigh_params = {
	.key_len = INFINIBAND_ALEN,
	.key_offset = offsetof(struct ipib_neigh, addr),
	.head_offset = offsetof(struct ipib_neigh, hnode),
	.automatic_shrinking = true,
};

/**
 * ipib_drop_queue_why - free skbs that will never be sent
 * @dev: the interface
 * @q: private queue; emptied
 * @why: the drop counter they go to
 */
void ipib_drop_queue_why(struct ipib_dev *dev, struct sk_buff_head *q,
			 enum ipib_drop_reason why)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(q)))
		ipib_tx_drop_why(dev, skb, why);
}

/**
 * ipib_drop_queue - free skbs that a flush took from their queues
 * @dev: the interface
 * @q: private queue; emptied
 */
void ipib_drop_queue(struct ipib_dev *dev, struct sk_buff_head *q)
{
	ipib_drop_queue_why(dev, q, IPIB_DROP_TX_FLUSHED);
}

static void neigh_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct ipib_neigh, rcu));
}

static void neigh_put(struct ipib_neigh *neigh)
{
	if (refcount_dec_and_test(&neigh->ref))
		call_rcu(&neigh->rcu, neigh_free_rcu);
}

/**
 * ipib_neigh_remove_locked - unlink a neighbour and release what it holds
 * @dev: the interface
 * @neigh: the neighbour
 * @drop: collects its queued skbs, for the caller to free after unlocking
 *
 * RCU readers may still see it until a grace period has passed; its AH
 * reference is dropped now (the AH itself outlives those readers).
 */
void ipib_neigh_remove_locked(struct ipib_dev *dev, struct ipib_neigh *neigh,
			      struct sk_buff_head *drop)
{
	struct ipib_ah *ah;

	lockdep_assert_held(&dev->lock);
	if (neigh->dead)
		return;
	neigh->dead = true;
	rhashtable_remove_fast(&dev->neighs, &neigh->hnode, neigh_params);
	list_del(&neigh->node);
	dev->neigh_count--;
	ipib_cm_neigh_detach_locked(dev, neigh);
	if (neigh->path) {
		list_del(&neigh->path_node);
		neigh->path = NULL;
	}
	ah = rcu_replace_pointer(neigh->ah, NULL, lockdep_is_held(&dev->lock));
	ipib_ah_put(ah);
	skb_queue_splice_tail_init(&neigh->queue, drop);
	neigh_put(neigh);
}

static struct ipib_neigh *neigh_create_locked(struct ipib_dev *dev,
					      const u8 *daddr)
{
	struct ipib_neigh *neigh;

	lockdep_assert_held(&dev->lock);
	neigh = kzalloc(sizeof(*neigh), GFP_ATOMIC);
	if (!neigh)
		return NULL;
	memcpy(neigh->addr, daddr, INFINIBAND_ALEN);
	neigh->dev = dev;
	skb_queue_head_init(&neigh->queue);
	neigh->alive = jiffies;
	neigh->cm_retry_at = jiffies;
	refcount_set(&neigh->ref, 1);
	INIT_LIST_HEAD(&neigh->path_node);

	if (rhashtable_lookup_insert_fast(&dev->neighs, &neigh->hnode,
					  neigh_params)) {
		kfree(neigh);
		return NULL;
	}
	list_add_tail(&neigh->node, &dev->neigh_list);
	dev->neigh_count++;
	if (ipib_path_attach_neigh(dev, neigh)) {
		struct sk_buff_head none;

		__skb_queue_head_init(&none);
		ipib_neigh_remove_locked(dev, neigh, &none);
		return NULL;
	}
	return neigh;
}

static void neigh_touch(struct ipib_neigh *neigh)
{
	unsigned long now = jiffies;

	if (READ_ONCE(neigh->alive) != now)
		WRITE_ONCE(neigh->alive, now);
}

/* A peer between connections: what UD cannot carry is dropped. */
static bool neigh_ud_too_big(struct ipib_dev *dev, struct ipib_neigh *neigh,
			     const struct sk_buff *skb)
{
	return !neigh->cm_refused &&
	       skb->len > READ_ONCE(dev->mcast_mtu) + IPIB_ENCAP_LEN;
}

/*
 * Slow path: no neighbour yet, or its path has no AH yet.  Creates the
 * neighbour or makes sure its path gets a query, and queues the skb.
 */
static void neigh_slow_xmit(struct ipib_dev *dev, const u8 *daddr,
			    struct sk_buff *skb)
{
	enum ipib_drop_reason why = IPIB_DROP_TX_NOT_READY;
	struct ipib_neigh *neigh;
	struct ipib_cm_tx *tx;
	struct ipib_ah *ah;

	rcu_read_lock();
	spin_lock_bh(&dev->lock);
	if (!ipib_paths_ready(dev))
		goto drop_unlock;
	neigh = rhashtable_lookup_fast(&dev->neighs, daddr, neigh_params);
	if (!neigh)
		neigh = neigh_create_locked(dev, daddr);
	why = IPIB_DROP_TX_NOMEM;
	if (!neigh)
		goto drop_unlock;
	ah = rcu_dereference_protected(neigh->ah, lockdep_is_held(&dev->lock));
	if (ah && ipib_cm_wanted(dev, daddr, skb)) {
		bool ud;

		tx = ipib_cm_tx_get_locked(dev, neigh, &ud);
		if (tx && ipib_cm_tx_up(tx)) {
			neigh_touch(neigh);
			spin_unlock_bh(&dev->lock);
			ipib_cm_send(dev, tx, skb);
			rcu_read_unlock();
			return;
		}
		if (tx)
			goto queue;	/* until the connection is up */
		why = IPIB_DROP_TX_LENGTH;
		if (neigh_ud_too_big(dev, neigh, skb))
			goto drop_unlock;
	}
	if (ah) {
		neigh_touch(neigh);
		spin_unlock_bh(&dev->lock);
		ipib_send(dev, skb, ah, ipib_addr_qpn(daddr));
		rcu_read_unlock();
		return;
	}
	if (neigh->path)
		ipib_path_kick(dev, neigh->path);
queue:
	why = IPIB_DROP_TX_QUEUE_FULL;
	if (skb_queue_len(&neigh->queue) >= IPIB_MAX_QUEUED)
		goto drop_unlock;
	neigh_touch(neigh);
	skb_push(skb, IPIB_PSEUDO_LEN);
	__skb_queue_tail(&neigh->queue, skb);
	spin_unlock_bh(&dev->lock);
	rcu_read_unlock();
	return;

drop_unlock:
	spin_unlock_bh(&dev->lock);
	rcu_read_unlock();
	ipib_tx_drop_why(dev, skb, why);
}

/**
 * ipib_neigh_xmit - send a unicast IP packet
 * @dev: the interface
 * @daddr: destination hardware address
 * @skb: data at the IPoIB header; consumed
 */
void ipib_neigh_xmit(struct ipib_dev *dev, const u8 *daddr,
		     struct sk_buff *skb)
{
	struct ipib_neigh *neigh;
	struct ipib_cm_tx *tx;
	struct ipib_ah *ah;

	rcu_read_lock();
	neigh = rhashtable_lookup(&dev->neighs, daddr, neigh_params);
	if (likely(neigh)) {
		ah = rcu_dereference(neigh->ah);
		if (ipib_cm_wanted(dev, daddr, skb)) {
			/* anything but an established connection: slow path */
			tx = rcu_dereference(neigh->cm);
			if (ah && tx && ipib_cm_tx_up(tx)) {
				neigh_touch(neigh);
				ipib_cm_send(dev, tx, skb);
				rcu_read_unlock();
				return;
			}
		} else if (likely(ah)) {
			neigh_touch(neigh);
			ipib_send(dev, skb, ah, ipib_addr_qpn(daddr));
			rcu_read_unlock();
			return;
		}
	}
	rcu_read_unlock();
	neigh_slow_xmit(dev, daddr, skb);
}

/**
 * ipib_neigh_flush - remove every neighbour
 * @dev: the interface
 */
void ipib_neigh_flush(struct ipib_dev *dev)
{
	struct ipib_neigh *neigh, *tmp;
	struct sk_buff_head drop;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&dev->lock);
	list_for_each_entry_safe(neigh, tmp, &dev->neigh_list, node)
		ipib_neigh_remove_locked(dev, neigh, &drop);
	spin_unlock_bh(&dev->lock);
	ipib_drop_queue(dev, &drop);
}

static unsigned long gc_interval(void)
{
	return max_t(unsigned long, READ_ONCE(arp_tbl.gc_interval), HZ);
}

static void neigh_gc_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, neigh_gc_work);
	unsigned long idle = 2 * gc_interval();
	struct ipib_neigh *neigh, *tmp;
	struct sk_buff_head drop;

	__skb_queue_head_init(&drop);
	spin_lock_bh(&dev->lock);
	list_for_each_entry_safe(neigh, tmp, &dev->neigh_list, node)
		if (time_after(jiffies, READ_ONCE(neigh->alive) + idle))
			ipib_neigh_remove_locked(dev, neigh, &drop);
	if (dev->neigh_gc_on)
		queue_delayed_work(dev->wq, &dev->neigh_gc_work,
				   round_jiffies_relative(gc_interval()));
	spin_unlock_bh(&dev->lock);
	ipib_drop_queue(dev, &drop);
}

/**
 * ipib_neigh_gc_start - collect idle neighbours every ARP gc_interval
 * @dev: the interface (becoming operational)
 */
void ipib_neigh_gc_start(struct ipib_dev *dev)
{
	spin_lock_bh(&dev->lock);
	dev->neigh_gc_on = true;
	queue_delayed_work(dev->wq, &dev->neigh_gc_work,
			   round_jiffies_relative(gc_interval()));
	spin_unlock_bh(&dev->lock);
}

/**
 * ipib_neigh_gc_stop - stop the collector and wait for a running pass
 * @dev: the interface
 */
void ipib_neigh_gc_stop(struct ipib_dev *dev)
{
	spin_lock_bh(&dev->lock);
	dev->neigh_gc_on = false;
	spin_unlock_bh(&dev->lock);
	cancel_delayed_work_sync(&dev->neigh_gc_work);
}

/**
 * ipib_neigh_init - create the (empty) neighbour table
 * @dev: the interface
 *
 * Return: 0 or the rhashtable error.
 */
int ipib_neigh_init(struct ipib_dev *dev)
{
	INIT_LIST_HEAD(&dev->neigh_list);
	INIT_DELAYED_WORK(&dev->neigh_gc_work, neigh_gc_worker);
	return rhashtable_init(&dev->neighs, &neigh_params);
}

/**
 * ipib_neigh_uninit - remove every neighbour and destroy the table
 * @dev: the interface
 */
void ipib_neigh_uninit(struct ipib_dev *dev)
{
	ipib_neigh_gc_stop(dev);
	ipib_neigh_flush(dev);
	rhashtable_destroy(&dev->neighs);
}
