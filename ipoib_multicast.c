// SPDX-License-Identifier: GPL-2.0
/*
 * IP over InfiniBand: the multicast engine.
 *
 * Every group the interface uses is one struct ipib_mcast in an rb-tree
 * keyed by MGID.  A group is a small state machine:
 *
 *	IDLE --join issued--> JOINING --SA said yes, attached, AH--> JOINED
 *	  ^                      |
 *	  +--- SA said no: backoff
 *	any state --leave--> DEAD (unlinked, last references draining)
 *
 * Only code holding the control mutex changes a group's state; the
 * transmit path only adds send-only groups (IDLE) and queues packets.
 *
 * The SA callback (join_done) takes no mutex and frees nothing: it copies
 * the answer into the group's mailbox and kicks the join worker, which
 * attaches the QP, builds the AH and does the bookkeeping.  That is what
 * allows the mutex to be held around ib_sa_free_multicast(), which waits
 * for a callback that is running.  The SA membership owns a reference on
 * its group that is dropped only after ib_sa_free_multicast() returned, so
 * a late callback always finds its group allocated.
 *
 * Send-only groups and SendOnlyFullMember: at start the SA's ClassPortInfo
 * is read (CapabilityMask2 bit SendOnlyFullMemberSupport); without that
 * bit, send-only groups join as FullMember (not attached: we still do not
 * want their traffic).  Until the answer arrives, or if the SA never
 * answers, a send-only group joins as SendOnlyFullMember and, when the SA
 * answers that join with an error status (-EINVAL from ib_sa), joins again
 * at once as a FullMember; if that works the SA is taken as one without
 * SendOnlyFullMember support.  Both verdicts last until the next start or
 * rejoin (a new SM may behave differently).
 */

#include <linux/jiffies.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/arp.h>

#include "ipoib_mcast_priv.h"

/* ------------------------------------------------------------------ */
/* Multicast list sync                                                 */

/*
 * An address from the stack's list is ours if it has the shape of the
 * broadcast address: flags/QPN, MGID prefix/flags/scope and the low byte
 * of the signature (bytes 0-5 and 7).  The P_Key (bytes 8-9) is replaced
 * by the current one: the stack mapped the address with the broadcast
 * address of that time, and after a P_Key change the groups must move to
 * the new partition too (the reference loses them).
 */
static bool mc_addr_take(const struct net_device *ndev, const u8 *addr,
			 union ib_gid *mgid)
{
	const u8 *b = ndev->broadcast;

	if (memcmp(addr, b, 6) || addr[7] != b[7])
		return false;
	memcpy(mgid->raw, addr + IPIB_MGID_OFF, sizeof(mgid->raw));
	mgid->raw[4] = b[8];
	mgid->raw[5] = b[9];
	return true;
}

static int mc_list_read(struct ipib_dev *dev, union ib_gid **out)
{
	struct net_device *ndev = dev->ndev;
	struct netdev_hw_addr *ha;
	union ib_gid *v;
	int n = 0;

	netif_addr_lock_bh(ndev);
	v = kmalloc_array(netdev_mc_count(ndev), sizeof(*v), GFP_ATOMIC);
	if (v) {
		netdev_for_each_mc_addr(ha, ndev)
			if (mc_addr_take(ndev, ha->addr, &v[n]))
				n++;
	}
	netif_addr_unlock_bh(ndev);
	if (!v)
		return -ENOMEM;
	*out = v;
	return n;
}

/*
 * umcast (see sysfs): if something else on this port (e.g. a user-space
 * join through ucma) already holds the group in ib_sa, do not make it a
 * full-member group of ours.
 */
static bool umcast_skip(struct ipib_dev *dev, const union ib_gid *mgid)
{
	struct ib_sa_mcmember_rec rec;
	union ib_gid gid = *mgid;

	return READ_ONCE(dev->umcast) &&
	       !ib_sa_get_mcmember_rec(dev->ca, dev->port, &gid, &rec);
}

/* Make @mgid a full-member group; a send-only one is replaced. */
static void sync_one(struct ipib_dev *dev, const union ib_gid *mgid)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *g, *fresh;
	struct sk_buff_head q;
	bool subscribed;

	spin_lock_bh(&t->tree_lock);
	g = ipib_mcg_find(t, mgid);
	subscribed = g && !g->sendonly;
	if (subscribed)
		g->keep = true;
	spin_unlock_bh(&t->tree_lock);
	if (subscribed || umcast_skip(dev, mgid))
		return;

	fresh = ipib_mcg_alloc(dev, mgid, false, GFP_KERNEL);
	if (!fresh)
		return;
	fresh->keep = true;
	__skb_queue_head_init(&q);
	/* Lookup again: the transmit path may have added a send-only group. */
	spin_lock_bh(&t->tree_lock);
	g = ipib_mcg_find(t, mgid);
	if (g && !g->sendonly) {
		g->keep = true;
		spin_unlock_bh(&t->tree_lock);
		ipib_mcg_put(fresh);
		return;
	}
	if (g) {
		ipib_mcg_unlink(t, g, &q);
		/* Its waiting packets go out once the full join is done. */
		skb_queue_splice_init(&q, &fresh->queue);
	}
	ipib_mcg_link(t, fresh);
	spin_unlock_bh(&t->tree_lock);
	if (g)
		ipib_mcg_teardown(g);
}

static bool want_unkept(struct ipib_mcast *g, void *arg)
{
	bool stale = !g->keep && !g->sendonly && g != g->dev->mcast.bcast;

	g->keep = false;
	return stale;
}

static void sync_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(work, struct ipib_dev,
					    mcast.sync_work);
	struct ipib_mcast_table *t = &dev->mcast;
	union ib_gid *mgids = NULL;
	struct ipib_mcast *g;
	LIST_HEAD(list);
	int i, n;

	n = mc_list_read(dev, &mgids);
	if (n < 0) {
		/* Try again later rather than leave groups we still need. */
		queue_work(dev->wq, &t->sync_work);
		return;
	}

	mutex_lock(&t->lock);
	for (i = 0; i < n; i++)
		sync_one(dev, &mgids[i]);
	ipib_mcg_collect(t, &list, want_unkept, NULL);
	while ((g = ipib_mcg_pass_next(&list))) {
		ipib_mcg_leave(dev, g);
		ipib_mcg_put(g);
	}
	mutex_unlock(&t->lock);
	kfree(mgids);
	ipib_mcg_schedule(dev, 0, true);
}

/* ------------------------------------------------------------------ */
/* Send-only garbage collection                                        */

static unsigned long gc_idle(void)
{
	return 2 * max_t(unsigned long, READ_ONCE(arp_tbl.gc_interval), HZ);
}

static bool want_idle_sendonly(struct ipib_mcast *g, void *arg)
{
	unsigned long *now = arg;

	return g->sendonly && g->state != IPIB_MC_JOINING &&
	       skb_queue_empty(&g->queue) &&
	       time_after(*now, READ_ONCE(g->last_used) + gc_idle());
}

static void gc_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, mcast.gc_work);
	struct ipib_mcast_table *t = &dev->mcast;
	unsigned long now = jiffies;
	struct ipib_mcast *g;
	LIST_HEAD(list);

	mutex_lock(&t->lock);
	ipib_mcg_collect(t, &list, want_idle_sendonly, &now);
	while ((g = ipib_mcg_pass_next(&list))) {
		ipib_mcg_leave(dev, g);
		ipib_mcg_put(g);
	}
	mutex_unlock(&t->lock);

	spin_lock_bh(&t->tree_lock);
	if (t->running)
		queue_delayed_work(dev->wq, &t->gc_work, gc_idle() / 2);
	spin_unlock_bh(&t->tree_lock);
}

/* ------------------------------------------------------------------ */
/* API                                                                 */

/**
 * ipib_mcast_init - set up the multicast table (ndo_init)
 * @dev: interface
 *
 * Return: 0.
 */
int ipib_mcast_init(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;

	mutex_init(&t->lock);
	spin_lock_init(&t->tree_lock);
	t->groups = RB_ROOT;
	INIT_DELAYED_WORK(&t->join_work, ipib_mcg_join_worker);
	INIT_WORK(&t->sync_work, sync_worker);
	INIT_DELAYED_WORK(&t->gc_work, gc_worker);
	return 0;
}

/**
 * ipib_mcast_uninit - stop the engine if needed and free the table
 * @dev: interface
 */
void ipib_mcast_uninit(struct ipib_dev *dev)
{
	ipib_mcast_stop(dev);
	mutex_destroy(&dev->mcast.lock);
}

/**
 * ipib_mcast_start - start joining: broadcast group first, then the rest
 * @dev: interface, operationally up
 *
 * Groups subscribed by the stack are (re)created from the netdev list by
 * the sync worker, so a start after a stop rejoins everything.
 */
void ipib_mcast_start(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;

	mutex_lock(&t->lock);
	ipib_mcg_cpi_start(dev);
	ipib_mcg_bcast_create(dev);
	spin_lock_bh(&t->tree_lock);
	t->running = true;
	queue_work(dev->wq, &t->sync_work);
	mod_delayed_work(dev->wq, &t->join_work, 0);
	queue_delayed_work(dev->wq, &t->gc_work, gc_idle() / 2);
	spin_unlock_bh(&t->tree_lock);
	mutex_unlock(&t->lock);
}

/**
 * ipib_mcast_stop - leave every group, broadcast included
 * @dev: interface
 *
 * Cancels the workers, releases every SA membership, detaches the QP and
 * drops the packets still waiting for a join.  Sleeps.
 */
void ipib_mcast_stop(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;

	/* No worker is queued once @running is clear (checked under the lock). */
	spin_lock_bh(&t->tree_lock);
	t->running = false;
	RCU_INIT_POINTER(t->tx_hint, NULL);
	spin_unlock_bh(&t->tree_lock);
	/* sync_worker queues the join worker: cancel it first. */
	cancel_work_sync(&t->sync_work);
	cancel_delayed_work_sync(&t->join_work);
	cancel_delayed_work_sync(&t->gc_work);

	mutex_lock(&t->lock);
	ipib_mcg_cpi_stop(dev);
	ipib_mcg_leave_all(dev);
	mutex_unlock(&t->lock);
}

/**
 * ipib_mcast_rejoin - leave and join again every group (light flush)
 * @dev: interface
 */
void ipib_mcast_rejoin(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;
	bool running;

	mutex_lock(&t->lock);
	spin_lock_bh(&t->tree_lock);
	running = t->running;
	spin_unlock_bh(&t->tree_lock);
	if (running) {
		ipib_mcg_leave_all(dev);
		ipib_mcg_bcast_create(dev);
	}
	spin_lock_bh(&t->tree_lock);
	if (t->running) {
		queue_work(dev->wq, &t->sync_work);
		mod_delayed_work(dev->wq, &t->join_work, 0);
	}
	spin_unlock_bh(&t->tree_lock);
	mutex_unlock(&t->lock);
}

/**
 * ipib_mcast_sync - the netdev multicast list changed (ndo_set_rx_mode)
 * @dev: interface
 *
 * Atomic context: only queues the sync worker.
 */
void ipib_mcast_sync(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;

	spin_lock_bh(&t->tree_lock);
	if (t->running)
		queue_work(dev->wq, &t->sync_work);
	spin_unlock_bh(&t->tree_lock);
}

/* Queue @skb on @g with its pseudo header back in front; tree_lock held. */
static int group_enqueue(struct ipib_dev *dev, struct ipib_mcast *g,
			 const u8 *hwaddr, struct sk_buff *skb)
{
	bool first = skb_queue_empty(&g->queue);

	lockdep_assert_held(&dev->mcast.tree_lock);
	if (skb_queue_len(&g->queue) >= IPIB_MCAST_QUEUE_MAX)
		return -ENOBUFS;
	if (skb_cow_head(skb, IPIB_PSEUDO_LEN))
		return -ENOMEM;
	memcpy(skb_push(skb, IPIB_PSEUDO_LEN), hwaddr, IPIB_PSEUDO_LEN);
	__skb_queue_tail(&g->queue, skb);
	/*
	 * An idle send-only group without packets is invisible to the join
	 * worker: its first packet (or one after the backoff) wakes it up;
	 * the worker re-arms itself for a retry time still ahead.
	 */
	if (g->state == IPIB_MC_IDLE &&
	    (first || !time_before(jiffies, g->retry_at)))
		mod_delayed_work(dev->wq, &dev->mcast.join_work, 0);
	return 0;
}

/*
 * Send to the group the last packet went to without taking the tree lock,
 * if @mgid is that group (its P_Key bytes, like the locked path's lookup,
 * are the broadcast group's: a hint only lives while that group does).
 * Transmit path: BH off, so in an RCU read section.
 */
static bool mcast_xmit_hinted(struct ipib_dev *dev, union ib_gid *mgid,
			      struct sk_buff *skb)
{
	struct ipib_mcast *g = rcu_dereference_bh(dev->mcast.tx_hint);
	unsigned long now = jiffies;

	if (!g)
		return false;
	mgid->raw[4] = g->mgid.raw[4];
	mgid->raw[5] = g->mgid.raw[5];
	if (memcmp(mgid->raw, g->mgid.raw, sizeof(mgid->raw)))
		return false;
	if (READ_ONCE(g->last_used) != now)
		WRITE_ONCE(g->last_used, now);
	/* as below: an AH put now is destroyed after this RCU section */
	ipib_send(dev, skb, READ_ONCE(g->ah), IB_MULTICAST_QPN);
	return true;
}

/**
 * ipib_mcast_xmit - send one packet to a multicast address
 * @dev: interface
 * @daddr: 20-byte destination address (QPN 0xffffff + MGID)
 * @skb: packet at its 4-byte IPoIB header, pseudo header pulled; consumed
 *
 * Called from ndo_start_xmit (BH off).  An unknown MGID becomes a
 * send-only group; a packet for a group without an AH waits for the join.
 * Packets to the group the previous one went to skip the tree (tx_hint).
 */
void ipib_mcast_xmit(struct ipib_dev *dev, const u8 *daddr,
		     struct sk_buff *skb)
{
	struct ipib_mcast_table *t = &dev->mcast;
	enum ipib_drop_reason why;
	u8 hwaddr[IPIB_PSEUDO_LEN];
	struct ipib_mcast *g;
	struct ipib_ah *ah;
	union ib_gid mgid;

	memcpy(mgid.raw, daddr + IPIB_MGID_OFF, sizeof(mgid.raw));
	if (mcast_xmit_hinted(dev, &mgid, skb))
		return;
	/* @daddr may live in the skb head, which skb_cow_head() can move. */
	memcpy(hwaddr, daddr, sizeof(hwaddr));

	spin_lock_bh(&t->tree_lock);
	if (unlikely(!t->running || !t->bcast ||
		     t->bcast->state != IPIB_MC_JOINED))
		goto not_joined;
	/* Addresses mapped before a P_Key change carry the old P_Key. */
	mgid.raw[4] = t->bcast->mgid.raw[4];
	mgid.raw[5] = t->bcast->mgid.raw[5];
	g = ipib_mcg_find(t, &mgid);
	if (!g) {
		g = ipib_mcg_alloc(dev, &mgid, true, GFP_ATOMIC);
		if (unlikely(!g)) {
			why = IPIB_DROP_TX_NOMEM;
			goto drop;
		}
		ipib_mcg_link(t, g);
	}
	WRITE_ONCE(g->last_used, jiffies);
	if (g->state != IPIB_MC_JOINED) {
		if (unlikely(group_enqueue(dev, g, hwaddr, skb)))
			goto not_joined;
		spin_unlock_bh(&t->tree_lock);
		return;
	}
	ah = g->ah;
	rcu_assign_pointer(t->tx_hint, g);
	spin_unlock_bh(&t->tree_lock);
	/*
	 * The group may be left now, but its AH is destroyed only after an
	 * RCU grace period and after the ring passed this send (BH is off).
	 */
	ipib_send(dev, skb, ah, IB_MULTICAST_QPN);
	return;

not_joined:
	why = IPIB_DROP_TX_MCAST_NOT_JOINED;
drop:
	spin_unlock_bh(&t->tree_lock);
	ipib_tx_drop_why(dev, skb, why);
}

static void dump_gid(struct seq_file *m, const union ib_gid *gid)
{
	int i;

	seq_puts(m, "GID: ");
	for (i = 0; i < 8; i++)
		seq_printf(m, "%x%s",
			   (gid->raw[2 * i] << 8) | gid->raw[2 * i + 1],
			   i < 7 ? ":" : "\n");
}

/**
 * ipib_mcast_dump - debugfs <ifname>_mcg: one block per group, MGID order
 * @dev: interface
 * @m: output
 */
void ipib_mcast_dump(struct ipib_dev *dev, struct seq_file *m)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *g;
	struct rb_node *node;

	spin_lock_bh(&t->tree_lock);
	for (node = rb_first(&t->groups); node; node = rb_next(node)) {
		g = rb_entry(node, struct ipib_mcast, node);
		dump_gid(m, &g->mgid);
		seq_printf(m, "  created: %10ld\n", (long)g->created);
		seq_printf(m, "  queuelen: %9d\n", skb_queue_len(&g->queue));
		seq_printf(m, "  complete: %9s\n", g->ah ? "yes" : "no");
		seq_printf(m, "  send_only: %8s\n\n", g->sendonly ? "yes" : "no");
	}
	spin_unlock_bh(&t->tree_lock);
}
