// SPDX-License-Identifier: GPL-2.0
/*
 * IP over InfiniBand: multicast group objects, the MGID tree, leaving.
 */

#include <linux/slab.h>
#include <rdma/ib_verbs.h>

#include "ipoib_mcast_priv.h"

/* ------------------------------------------------------------------ */
/* Group objects and the tree                                          */

static int group_cmp_key(const void *key, const struct rb_node *node)
{
	const struct ipib_mcast *g = rb_entry(node, struct ipib_mcast, node);

	return memcmp(key, g->mgid.raw, sizeof(g->mgid.raw));
}

static bool group_less(struct rb_node *a, const struct rb_node *b)
{
	const struct ipib_mcast *ga = rb_entry(a, struct ipib_mcast, node);

	return group_cmp_key(ga->mgid.raw, b) < 0;
}

struct ipib_mcast *ipib_mcg_find(struct ipib_mcast_table *t,
				 const union ib_gid *mgid)
{
	struct rb_node *node;

	lockdep_assert_held(&t->tree_lock);
	node = rb_find(mgid->raw, &t->groups, group_cmp_key);
	return node ? rb_entry(node, struct ipib_mcast, node) : NULL;
}

void ipib_mcg_link(struct ipib_mcast_table *t, struct ipib_mcast *g)
{
	lockdep_assert_held(&t->tree_lock);
	rb_add(&g->node, &t->groups, group_less);
}

/**
 * ipib_mcg_set_state - move a group to a new state
 * @t: its table (tree_lock held; the control mutex too, see
 *	ipoib_multicast.c)
 * @g: the group
 * @state: the new state
 *
 * A group leaving JOINED stops being the transmit path's lockless target;
 * so does every group when the broadcast group leaves JOINED (sends then
 * take the locked path, which checks the broadcast group).
 */
void ipib_mcg_set_state(struct ipib_mcast_table *t, struct ipib_mcast *g,
			enum ipib_mcast_state state)
{
	lockdep_assert_held(&t->tree_lock);
	WRITE_ONCE(g->state, state);
	if (state != IPIB_MC_JOINED &&
	    (g == t->bcast ||
	     g == rcu_access_pointer(t->tx_hint)))
		RCU_INIT_POINTER(t->tx_hint, NULL);
}

struct ipib_mcast *ipib_mcg_alloc(struct ipib_dev *dev,
				  const union ib_gid *mgid, bool sendonly,
				      gfp_t gfp)
{
	struct ipib_mcast *g;

	g = kzalloc(sizeof(*g), gfp);
	if (!g)
		return NULL;
	kref_init(&g->ref);
	g->dev = dev;
	g->mgid = *mgid;
	g->state = IPIB_MC_IDLE;
	g->sendonly = sendonly;
	g->backoff = 1;
	g->created = jiffies;
	g->retry_at = g->created;
	g->last_used = g->created;
	skb_queue_head_init(&g->queue);
	INIT_LIST_HEAD(&g->pass_node);
	pr_debug("mcast group %pI6 created\n", mgid->raw);
	return g;
}

/* Any context: the SA membership is gone and the QP detached by now. */
static void group_release(struct kref *ref)
{
	struct ipib_mcast *g = container_of(ref, struct ipib_mcast, ref);

	__skb_queue_purge(&g->queue);
	if (g->ah)
		ipib_ah_put(g->ah);
	pr_debug("mcast group %pI6 destroyed\n", g->mgid.raw);
	kfree_rcu(g, rcu);
}

void ipib_mcg_put(struct ipib_mcast *g)
{
	kref_put(&g->ref, group_release);
}

/* Packets that waited for a join go through the stack's xmit again. */
void ipib_mcg_resend_queue(struct sk_buff_head *q)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(q)))
		dev_queue_xmit(skb);
}

/* Run the join worker after @delay; @now moves an already pending run up. */
void ipib_mcg_schedule(struct ipib_dev *dev, unsigned long delay, bool now)
{
	struct ipib_mcast_table *t = &dev->mcast;

	spin_lock_bh(&t->tree_lock);
	if (t->running) {
		if (now)
			mod_delayed_work(dev->wq, &t->join_work, 0);
		else
			queue_delayed_work(dev->wq, &t->join_work, delay);
	}
	spin_unlock_bh(&t->tree_lock);
}

/*
 * Collect the groups @want selects into @out, each with a reference, so a
 * control pass can sleep on them without the spinlock.
 */
void ipib_mcg_collect(struct ipib_mcast_table *t, struct list_head *out,
		      bool (*want)(struct ipib_mcast *g, void *arg), void *arg)
{
	struct ipib_mcast *g;
	struct rb_node *node;

	lockdep_assert_held(&t->lock);
	spin_lock_bh(&t->tree_lock);
	for (node = rb_first(&t->groups); node; node = rb_next(node)) {
		g = rb_entry(node, struct ipib_mcast, node);
		if (!want(g, arg))
			continue;
		kref_get(&g->ref);
		list_add_tail(&g->pass_node, out);
	}
	spin_unlock_bh(&t->tree_lock);
}

struct ipib_mcast *ipib_mcg_pass_next(struct list_head *list)
{
	struct ipib_mcast *g;

	g = list_first_entry_or_null(list, struct ipib_mcast, pass_node);
	if (g)
		list_del_init(&g->pass_node);
	return g;
}

/* ------------------------------------------------------------------ */
/* Membership, attach and leave                                        */

void ipib_mcg_release_membership(struct ipib_mcast *g)
{
	struct ipib_mcast_table *t = &g->dev->mcast;
	struct ib_sa_multicast *sa = g->sa;

	lockdep_assert_held(&t->lock);
	if (!sa)
		return;
	g->sa = NULL;
	/*
	 * Waits for a join_done() still running on this membership; that
	 * callback takes only the tree spinlock, so the mutex may be held.
	 */
	ib_sa_free_multicast(sa);
	spin_lock_bh(&t->tree_lock);
	g->answered = false;
	spin_unlock_bh(&t->tree_lock);
	ipib_mcg_put(g);	/* the membership's reference */
}

void ipib_mcg_detach(struct ipib_mcast *g)
{
	struct ipib_dev *dev = g->dev;
	int err;

	lockdep_assert_held(&dev->mcast.lock);
	if (!g->attached)
		return;
	g->attached = false;
	if (!ipib_is_vendor(dev) && !dev->qp)
		return;	/* destroying the QP detached it */
	if (ipib_is_vendor(dev))
		err = ipib_rn_detach(dev, &g->mgid, g->mlid);
	else
		err = ib_detach_mcast(dev->qp, &g->mgid, g->mlid);
	if (err)
		mcast_dbg(dev, "detach from %pI6 failed: %d\n", g->mgid.raw, err);
}

/* Unlink @g (its tree reference passes to the caller), move its queue to @q. */
void ipib_mcg_unlink(struct ipib_mcast_table *t, struct ipib_mcast *g,
		     struct sk_buff_head *q)
{
	lockdep_assert_held(&t->tree_lock);
	ipib_mcg_set_state(t, g, IPIB_MC_DEAD);
	rb_erase(&g->node, &t->groups);
	if (t->bcast == g)
		t->bcast = NULL;
	skb_queue_splice_tail_init(&g->queue, q);
}

/* Second half of a leave: detach, leave at the SA, drop the tree's ref. */
void ipib_mcg_teardown(struct ipib_mcast *g)
{
	lockdep_assert_held(&g->dev->mcast.lock);
	mcast_dbg(g->dev, "leaving %pI6\n", g->mgid.raw);
	ipib_mcg_detach(g);
	ipib_mcg_release_membership(g);
	ipib_mcg_put(g);
}

void ipib_mcg_leave(struct ipib_dev *dev, struct ipib_mcast *g)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct sk_buff_head q;

	lockdep_assert_held(&t->lock);
	__skb_queue_head_init(&q);
	spin_lock_bh(&t->tree_lock);
	if (g->state == IPIB_MC_DEAD) {
		spin_unlock_bh(&t->tree_lock);
		return;
	}
	ipib_mcg_unlink(t, g, &q);
	spin_unlock_bh(&t->tree_lock);
	ipib_drop_queue(dev, &q);
	ipib_mcg_teardown(g);
}

void ipib_mcg_leave_all(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *g;
	struct rb_node *node;
	struct sk_buff_head q;
	LIST_HEAD(gone);

	lockdep_assert_held(&t->lock);
	__skb_queue_head_init(&q);
	spin_lock_bh(&t->tree_lock);
	while ((node = rb_first(&t->groups))) {
		g = rb_entry(node, struct ipib_mcast, node);
		ipib_mcg_unlink(t, g, &q);
		list_add_tail(&g->pass_node, &gone);
	}
	spin_unlock_bh(&t->tree_lock);
	ipib_drop_queue(dev, &q);
	while ((g = ipib_mcg_pass_next(&gone)))
		ipib_mcg_teardown(g);
	/* Maybe another SM next time: ask again. */
	WRITE_ONCE(t->sa_no_sendonly, false);
	t->cpi_asked = false;
}

/* Create the broadcast group from the current broadcast address. */
void ipib_mcg_bcast_create(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *g;
	union ib_gid mgid;

	lockdep_assert_held(&t->lock);
	if (t->bcast)
		return;
	memcpy(mgid.raw, dev->ndev->broadcast + IPIB_MGID_OFF,
	       sizeof(mgid.raw));
	g = ipib_mcg_alloc(dev, &mgid, false, GFP_KERNEL);
	if (!g)
		return;	/* the join worker tries again */
	spin_lock_bh(&t->tree_lock);
	ipib_mcg_link(t, g);
	t->bcast = g;
	spin_unlock_bh(&t->tree_lock);
}
