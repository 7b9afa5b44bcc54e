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
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/arp.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_sa.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

#define IPIB_MCAST_QUEUE_MAX	64	/* packets waiting for one join */
#define IPIB_MCAST_BACKOFF_MAX	16	/* seconds */
#define IPIB_MCAST_WARN_MAX	20	/* join failures reported per group */
#define IPIB_JOIN_FULL		BIT(FULLMEMBER_JOIN)
#define IPIB_JOIN_SENDONLY	BIT(SENDONLY_FULLMEMBER_JOIN)
#define IPIB_MGID_OFF		4	/* MGID offset in a 20-byte address */

#define mcast_dbg(dev, fmt, ...)					\
	do {								\
		if (ipib_mcast_debug_level > 0)				\
			netdev_printk(KERN_DEBUG, (dev)->ndev, fmt,	\
				      ##__VA_ARGS__);			\
	} while (0)

enum ipib_mcast_state {
	IPIB_MC_IDLE,		/* not a member; waits for the join worker */
	IPIB_MC_JOINING,	/* SA join in flight, @sa set */
	IPIB_MC_JOINED,		/* member, attached unless send-only, @ah set */
	IPIB_MC_DEAD,		/* unlinked from the table */
};

/**
 * struct ipib_mcast - one multicast group of an interface
 * @node: in ipib_mcast_table.groups
 * @ref: the table's reference (until unlinked), the SA membership's
 *	(while @sa is set) and short-lived ones of control passes
 * @dev: owning interface
 * @mgid: the group
 * @state: see enum ipib_mcast_state; written under both locks
 * @sendonly: created by the transmit path, not subscribed by the stack
 * @as_full: send-only group that joins as a FullMember (SA fallback)
 * @attached: QP attached to @mgid/@mlid (mutex)
 * @keep: mark of the list-sync pass (mutex)
 * @sa: SA membership handle (mutex)
 * @mlid: MLID the QP is attached with (mutex)
 * @rec: the group's record once JOINED (tree_lock)
 * @ah: address handle, set once when JOINED, released by the last put
 * @queue: packets waiting for the join, pseudo header pushed (tree_lock)
 * @backoff: next retry delay in seconds
 * @retry_at: no join before this time (jiffies)
 * @created: creation time (jiffies) for debugfs
 * @last_used: last transmit (jiffies), send-only garbage collection
 * @warned: join failures reported so far
 * @pass_node: private list of one control pass (mutex)
 * @answered: mailbox written by the SA callback: an answer is waiting
 * @answer_status: its status
 * @answer: its record
 */
struct ipib_mcast {
	struct rb_node node;
	struct kref ref;
	struct ipib_dev *dev;
	union ib_gid mgid;
	enum ipib_mcast_state state;
	bool sendonly;
	bool as_full;
	bool attached;
	bool keep;
	struct ib_sa_multicast *sa;
	u16 mlid;
	struct ib_sa_mcmember_rec rec;
	struct ipib_ah *ah;
	struct sk_buff_head queue;
	unsigned int backoff;
	unsigned long retry_at;
	unsigned long created;
	unsigned long last_used;
	unsigned int warned;
	struct list_head pass_node;
	bool answered;
	int answer_status;
	struct ib_sa_mcmember_rec answer;
};

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

static struct ipib_mcast *group_find(struct ipib_mcast_table *t,
				     const union ib_gid *mgid)
{
	struct rb_node *node;

	lockdep_assert_held(&t->tree_lock);
	node = rb_find(mgid->raw, &t->groups, group_cmp_key);
	return node ? rb_entry(node, struct ipib_mcast, node) : NULL;
}

static void group_link(struct ipib_mcast_table *t, struct ipib_mcast *g)
{
	lockdep_assert_held(&t->tree_lock);
	rb_add(&g->node, &t->groups, group_less);
}

static struct ipib_mcast *group_alloc(struct ipib_dev *dev,
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
	kfree(g);
}

static void group_put(struct ipib_mcast *g)
{
	kref_put(&g->ref, group_release);
}

static void drop_queue(struct ipib_dev *dev, struct sk_buff_head *q)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(q)))
		ipib_tx_drop(dev, skb);
}

/* Packets that waited for a join go through the stack's xmit again. */
static void resend_queue(struct sk_buff_head *q)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(q)))
		dev_queue_xmit(skb);
}

/* Run the join worker after @delay; @now moves an already pending run up. */
static void join_schedule(struct ipib_dev *dev, unsigned long delay, bool now)
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
static void collect(struct ipib_mcast_table *t, struct list_head *out,
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

static struct ipib_mcast *pass_next(struct list_head *list)
{
	struct ipib_mcast *g;

	g = list_first_entry_or_null(list, struct ipib_mcast, pass_node);
	if (g)
		list_del_init(&g->pass_node);
	return g;
}

/* ------------------------------------------------------------------ */
/* Membership, attach and leave                                        */

static void membership_release(struct ipib_mcast *g)
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
	group_put(g);	/* the membership's reference */
}

static void group_detach(struct ipib_mcast *g)
{
	struct ipib_dev *dev = g->dev;
	int err;

	lockdep_assert_held(&dev->mcast.lock);
	if (!g->attached)
		return;
	g->attached = false;
	if (!dev->qp)	/* destroying the QP detached it */
		return;
	err = ib_detach_mcast(dev->qp, &g->mgid, g->mlid);
	if (err)
		mcast_dbg(dev, "detach from %pI6 failed: %d\n", g->mgid.raw, err);
}

/* Unlink @g (its tree reference passes to the caller), move its queue to @q. */
static void group_unlink(struct ipib_mcast_table *t, struct ipib_mcast *g,
			 struct sk_buff_head *q)
{
	lockdep_assert_held(&t->tree_lock);
	g->state = IPIB_MC_DEAD;
	rb_erase(&g->node, &t->groups);
	if (t->bcast == g)
		t->bcast = NULL;
	skb_queue_splice_tail_init(&g->queue, q);
}

/* Second half of a leave: detach, leave at the SA, drop the tree's ref. */
static void group_teardown(struct ipib_mcast *g)
{
	lockdep_assert_held(&g->dev->mcast.lock);
	mcast_dbg(g->dev, "leaving %pI6\n", g->mgid.raw);
	group_detach(g);
	membership_release(g);
	group_put(g);
}

static void group_leave(struct ipib_dev *dev, struct ipib_mcast *g)
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
	group_unlink(t, g, &q);
	spin_unlock_bh(&t->tree_lock);
	drop_queue(dev, &q);
	group_teardown(g);
}

static void leave_all(struct ipib_dev *dev)
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
		group_unlink(t, g, &q);
		list_add_tail(&g->pass_node, &gone);
	}
	spin_unlock_bh(&t->tree_lock);
	drop_queue(dev, &q);
	while ((g = pass_next(&gone)))
		group_teardown(g);
	/* Maybe another SM next time: ask again. */
	WRITE_ONCE(t->sa_no_sendonly, false);
	t->cpi_asked = false;
}

/* Create the broadcast group from the current broadcast address. */
static void bcast_create(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *g;
	union ib_gid mgid;

	lockdep_assert_held(&t->lock);
	if (t->bcast)
		return;
	memcpy(mgid.raw, dev->ndev->broadcast + IPIB_MGID_OFF,
	       sizeof(mgid.raw));
	g = group_alloc(dev, &mgid, false, GFP_KERNEL);
	if (!g)
		return;	/* the join worker tries again */
	spin_lock_bh(&t->tree_lock);
	group_link(t, g);
	t->bcast = g;
	spin_unlock_bh(&t->tree_lock);
}

/* ------------------------------------------------------------------ */
/* SA capability: SendOnlyFullMember support (ClassPortInfo)           */

/*
 * 6.12 keeps ib_sa's ClassPortInfo to itself, so we ask the SA once per
 * start through a GSI agent of our own.  Until the answer is in, send-only
 * groups try SendOnlyFullMember and fall back on an error (join_failed).
 * The handlers take no lock of ours, so the agent can be unregistered
 * (which waits for them) with the control mutex held.
 */
static atomic_t cpi_tid = ATOMIC_INIT(0);

static void cpi_recv(struct ib_mad_agent *agent,
		     struct ib_mad_send_buf *send_buf,
		     struct ib_mad_recv_wc *wc)
{
	struct ipib_dev *dev = agent->context;
	struct ib_sa_mad *mad = (struct ib_sa_mad *)wc->recv_buf.mad;
	struct ib_class_port_info *cpi = (void *)mad->data;
	bool sofm;

	if (mad->mad_hdr.status ||
	    mad->mad_hdr.attr_id != cpu_to_be16(IB_SA_ATTR_CLASS_PORTINFO))
		goto out;
	sofm = ib_get_cpi_capmask2(cpi) &
	       IB_SA_CAP_MASK2_SENDONLY_FULL_MEM_SUPPORT;
	mcast_dbg(dev, "SA ClassPortInfo: SendOnlyFullMember %ssupported\n",
		  sofm ? "" : "not ");
	if (!sofm)
		WRITE_ONCE(dev->mcast.sa_no_sendonly, true);
out:
	ib_free_recv_mad(wc);
}

static void cpi_sent(struct ib_mad_agent *agent, struct ib_mad_send_wc *wc)
{
	struct ib_mad_send_buf *msg = wc->send_buf;

	rdma_destroy_ah(msg->ah, RDMA_DESTROY_AH_SLEEPABLE);
	ib_free_send_mad(msg);
}

static struct ib_ah *cpi_sm_ah(struct ipib_dev *dev, struct ib_pd *pd)
{
	struct rdma_ah_attr attr = {};
	struct ib_port_attr pattr;

	if (ib_query_port(dev->ca, dev->port, &pattr))
		return ERR_PTR(-EIO);
	attr.type = rdma_ah_find_type(dev->ca, dev->port);
	rdma_ah_set_dlid(&attr, pattr.sm_lid);
	rdma_ah_set_sl(&attr, pattr.sm_sl);
	rdma_ah_set_port_num(&attr, dev->port);
	return rdma_create_ah(pd, &attr, RDMA_CREATE_AH_SLEEPABLE);
}

static void cpi_query(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ib_mad_agent *agent = t->cpi_agent;
	struct ib_mad_send_buf *msg;
	struct ib_sa_mad *mad;
	u16 pkey_index;
	struct ib_ah *ah;

	lockdep_assert_held(&t->lock);
	if (!agent || t->cpi_asked)
		return;
	t->cpi_asked = true;
	ah = cpi_sm_ah(dev, agent->qp->pd);
	if (IS_ERR(ah))
		return;
	if (ib_find_pkey(dev->ca, dev->port, IB_DEFAULT_PKEY_FULL, &pkey_index))
		pkey_index = 0;
	msg = ib_create_send_mad(agent, 1, pkey_index, 0, IB_MGMT_SA_HDR,
				 IB_MGMT_SA_DATA, GFP_KERNEL,
				 IB_MGMT_BASE_VERSION);
	if (IS_ERR(msg))
		goto err_destroy_ah;
	msg->ah = ah;
	msg->timeout_ms = 1000;
	msg->retries = 2;
	mad = msg->mad;
	mad->mad_hdr.base_version = IB_MGMT_BASE_VERSION;
	mad->mad_hdr.mgmt_class = IB_MGMT_CLASS_SUBN_ADM;
	mad->mad_hdr.class_version = IB_SA_CLASS_VERSION;
	mad->mad_hdr.method = IB_MGMT_METHOD_GET;
	mad->mad_hdr.tid = cpu_to_be64((u64)agent->hi_tid << 32 |
				       (u32)atomic_inc_return(&cpi_tid));
	mad->mad_hdr.attr_id = cpu_to_be16(IB_SA_ATTR_CLASS_PORTINFO);
	if (ib_post_send_mad(msg, NULL))
		goto err_free_msg;
	return;

err_free_msg:
	ib_free_send_mad(msg);
err_destroy_ah:
	rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
}

static void cpi_start(struct ipib_dev *dev)
{
	struct ib_mad_agent *agent;

	if (dev->mcast.cpi_agent)
		return;
	agent = ib_register_mad_agent(dev->ca, dev->port, IB_QPT_GSI, NULL, 0,
				      cpi_sent, cpi_recv, dev, 0);
	/* Without an agent, the join error fallback alone decides. */
	dev->mcast.cpi_agent = IS_ERR(agent) ? NULL : agent;
}

static void cpi_stop(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;

	if (!t->cpi_agent)
		return;
	/* Cancels the query and waits for its handlers. */
	ib_unregister_mad_agent(t->cpi_agent);
	t->cpi_agent = NULL;
}

/* ------------------------------------------------------------------ */
/* Joining                                                             */

/*
 * The SA callback.  Process context (ib_sa's workqueue or MAD handler).
 * It only posts the answer; see the top of this file for why.
 */
static int join_done(int status, struct ib_sa_multicast *sa)
{
	struct ipib_mcast *g = sa->context;
	struct ipib_dev *dev = g->dev;
	struct ipib_mcast_table *t = &dev->mcast;

	/*
	 * A port event seen by ib_sa: the core turns the same event into a
	 * flush that stops and restarts (or rejoins) the engine.
	 */
	if (status == -ENETRESET)
		return 0;

	spin_lock_bh(&t->tree_lock);
	g->answered = true;
	g->answer_status = status;
	if (!status)
		g->answer = sa->rec;
	if (t->running)
		mod_delayed_work(dev->wq, &t->join_work, 0);
	spin_unlock_bh(&t->tree_lock);
	return 0;	/* we free the membership ourselves */
}

static ib_sa_comp_mask join_rec(struct ipib_dev *dev, struct ipib_mcast *g,
				struct ib_sa_mcmember_rec *rec)
{
	struct ipib_mcast_table *t = &dev->mcast;
	const struct ib_sa_mcmember_rec *b = &t->bcast->rec;

	rec->mgid = g->mgid;
	rec->port_gid = dev->local_gid;
	rec->pkey = cpu_to_be16(dev->pkey);
	rec->join_state = IPIB_JOIN_FULL;
	if (g == t->bcast)
		return IB_SA_MCMEMBER_REC_MGID | IB_SA_MCMEMBER_REC_PORT_GID |
		       IB_SA_MCMEMBER_REC_PKEY | IB_SA_MCMEMBER_REC_JOIN_STATE;

	if (g->sendonly && !g->as_full && !READ_ONCE(t->sa_no_sendonly))
		rec->join_state = IPIB_JOIN_SENDONLY;
	/* RFC 4391: the broadcast group's parameters, so the SA can create it. */
	rec->qkey = b->qkey;
	rec->mtu_selector = IB_SA_EQ;
	rec->mtu = b->mtu;
	rec->traffic_class = b->traffic_class;
	rec->rate_selector = IB_SA_EQ;
	rec->rate = b->rate;
	rec->sl = b->sl;
	rec->flow_label = b->flow_label;
	rec->hop_limit = b->hop_limit;
	return IB_SA_MCMEMBER_REC_MGID | IB_SA_MCMEMBER_REC_PORT_GID |
	       IB_SA_MCMEMBER_REC_PKEY | IB_SA_MCMEMBER_REC_JOIN_STATE |
	       IB_SA_MCMEMBER_REC_QKEY | IB_SA_MCMEMBER_REC_MTU_SELECTOR |
	       IB_SA_MCMEMBER_REC_MTU | IB_SA_MCMEMBER_REC_TRAFFIC_CLASS |
	       IB_SA_MCMEMBER_REC_RATE_SELECTOR | IB_SA_MCMEMBER_REC_RATE |
	       IB_SA_MCMEMBER_REC_SL | IB_SA_MCMEMBER_REC_FLOW_LABEL |
	       IB_SA_MCMEMBER_REC_HOP_LIMIT;
}

static void join_report(struct ipib_dev *dev, struct ipib_mcast *g,
			int status)
{
	bool quiet = status == -ETIMEDOUT || status == -EAGAIN ||
		     (g->sendonly && status == -EINVAL);

	if (quiet || g->warned >= IPIB_MCAST_WARN_MAX) {
		mcast_dbg(dev, "join of %pI6 failed: %d\n", g->mgid.raw,
			  status);
		return;
	}
	g->warned++;
	ipib_warn(dev, "multicast join of %pI6 failed: %d\n", g->mgid.raw,
		  status);
}

static void join_failed(struct ipib_dev *dev, struct ipib_mcast *g,
			int status)
{
	struct ipib_mcast_table *t = &dev->mcast;
	bool fallback;
	struct sk_buff_head q;

	lockdep_assert_held(&t->lock);
	membership_release(g);
	join_report(dev, g, status);
	fallback = g->sendonly && !g->as_full &&
		   !READ_ONCE(t->sa_no_sendonly) &&
		   status == -EINVAL;
	__skb_queue_head_init(&q);
	spin_lock_bh(&t->tree_lock);
	g->state = IPIB_MC_IDLE;
	if (fallback) {
		/* The SA refused SendOnlyFullMember: try FullMember now. */
		g->as_full = true;
		g->retry_at = jiffies;
	} else if (g->sendonly && g->backoff > 1) {
		/* Second failure: drop; the next packet starts over. */
		skb_queue_splice_init(&g->queue, &q);
		g->backoff = 1;
		g->retry_at = jiffies;
	} else {
		g->retry_at = jiffies + g->backoff * HZ;
		g->backoff = min(g->backoff * 2, IPIB_MCAST_BACKOFF_MAX);
	}
	spin_unlock_bh(&t->tree_lock);
	drop_queue(dev, &q);
}

static void join_issue(struct ipib_dev *dev, struct ipib_mcast *g)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ib_sa_mcmember_rec rec = {};
	struct ib_sa_multicast *sa;
	ib_sa_comp_mask mask;

	lockdep_assert_held(&t->lock);
	mask = join_rec(dev, g, &rec);
	mcast_dbg(dev, "joining %pI6 (join state %#x)\n", g->mgid.raw,
		  rec.join_state);
	spin_lock_bh(&t->tree_lock);
	g->state = IPIB_MC_JOINING;
	g->answered = false;
	spin_unlock_bh(&t->tree_lock);

	kref_get(&g->ref);	/* owned by the membership */
	sa = ib_sa_join_multicast(&ipib_sa_client, dev->ca, dev->port, &rec,
				  mask, GFP_KERNEL, join_done, g);
	if (IS_ERR(sa)) {
		group_put(g);
		join_failed(dev, g, PTR_ERR(sa));
		return;
	}
	/* join_done() may already have run: it does not look at g->sa. */
	g->sa = sa;
}

static int group_attach(struct ipib_dev *dev, struct ipib_mcast *g,
			const struct ib_sa_mcmember_rec *rec)
{
	int err;

	if (g->sendonly)
		return 0;
	g->mlid = be16_to_cpu(rec->mlid);
	err = ib_attach_mcast(dev->qp, &g->mgid, g->mlid);
	if (err)
		return err;
	g->attached = true;
	return 0;
}

static struct ipib_ah *group_ah_create(struct ipib_dev *dev,
				       struct ib_sa_mcmember_rec *rec)
{
	struct rdma_ah_attr attr;
	struct ipib_ah *ah;
	int err;

	err = ib_init_ah_from_mcmember(dev->ca, dev->port, rec, dev->ndev,
				       IB_GID_TYPE_IB, &attr);
	if (err)
		return ERR_PTR(err);
	ah = ipib_ah_create(dev, &attr);
	rdma_destroy_ah_attr(&attr);
	if (!ah)
		return ERR_PTR(-ENOMEM);
	return ah;
}

/* The broadcast join gives the interface its Q_Key and MTU. */
static int bcast_apply(struct ipib_dev *dev,
		       const struct ib_sa_mcmember_rec *rec)
{
	int err;

	err = ipib_set_qkey(dev, be32_to_cpu(rec->qkey));
	if (err)
		return err;
	ipib_bcast_mtu_learned(dev, ib_mtu_enum_to_int(rec->mtu));
	return 0;
}

static int join_apply(struct ipib_dev *dev, struct ipib_mcast *g,
		      struct ib_sa_mcmember_rec *rec)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_ah *ah, *old;
	struct sk_buff_head q;
	int err;

	lockdep_assert_held(&t->lock);
	if (g == t->bcast) {
		err = bcast_apply(dev, rec);
		if (err)
			return err;
	}
	err = group_attach(dev, g, rec);
	if (err)
		return err;
	ah = group_ah_create(dev, rec);
	if (IS_ERR(ah)) {
		group_detach(g);
		return PTR_ERR(ah);
	}

	__skb_queue_head_init(&q);
	spin_lock_bh(&t->tree_lock);
	old = g->ah;
	g->ah = ah;
	g->rec = *rec;
	g->state = IPIB_MC_JOINED;
	g->backoff = 1;
	g->warned = 0;
	g->last_used = jiffies;
	skb_queue_splice_init(&g->queue, &q);
	spin_unlock_bh(&t->tree_lock);
	if (old)
		ipib_ah_put(old);
	mcast_dbg(dev, "joined %pI6, MLID %#x\n", g->mgid.raw,
		  be16_to_cpu(rec->mlid));
	resend_queue(&q);
	if (g == t->bcast)
		ipib_carrier_on_queue(dev);
	return 0;
}

/* Handle the mailbox of @g, if the SA answered its current join. */
static void join_answer(struct ipib_dev *dev, struct ipib_mcast *g)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ib_sa_mcmember_rec rec;
	int status;

	spin_lock_bh(&t->tree_lock);
	if (!g->answered || g->state != IPIB_MC_JOINING) {
		spin_unlock_bh(&t->tree_lock);
		return;
	}
	g->answered = false;
	status = g->answer_status;
	rec = g->answer;
	spin_unlock_bh(&t->tree_lock);

	if (!status)
		status = join_apply(dev, g, &rec);
	if (status) {
		join_failed(dev, g, status);
		return;
	}
	if (g->sendonly && g->as_full && !READ_ONCE(t->sa_no_sendonly)) {
		WRITE_ONCE(t->sa_no_sendonly, true);
		netdev_info(dev->ndev,
			    "SA refuses SendOnlyFullMember joins, using FullMember joins for send-only groups\n");
	}
}

static bool want_answered(struct ipib_mcast *g, void *arg)
{
	return g->answered;
}

struct join_scan {
	unsigned long now;
	unsigned long next;	/* earliest retry still in the future */
	bool have_next;
};

static bool want_join(struct ipib_mcast *g, void *arg)
{
	struct join_scan *s = arg;

	if (g->state != IPIB_MC_IDLE || g == g->dev->mcast.bcast)
		return false;
	/* An idle send-only group is joined only for waiting packets. */
	if (g->sendonly && skb_queue_empty(&g->queue))
		return false;
	if (time_before(s->now, g->retry_at)) {
		if (!s->have_next || time_before(g->retry_at, s->next))
			s->next = g->retry_at;
		s->have_next = true;
		return false;
	}
	return true;
}

static bool port_active(struct ipib_dev *dev)
{
	struct ib_port_attr attr;

	if (ib_query_port(dev->ca, dev->port, &attr))
		return false;
	return attr.state == IB_PORT_ACTIVE;
}

/*
 * Returns true once the broadcast group is joined.  Until then it is the
 * only join issued: the other joins need its parameters.
 */
static bool bcast_step(struct ipib_dev *dev, struct join_scan *s)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *b;

	bcast_create(dev);
	b = t->bcast;
	if (!b) {
		s->next = s->now + HZ;
		s->have_next = true;
		return false;
	}
	if (b->state == IPIB_MC_JOINED)
		return true;
	if (b->state != IPIB_MC_IDLE)
		return false;
	if (time_before(s->now, b->retry_at)) {
		s->next = b->retry_at;
		s->have_next = true;
		return false;
	}
	join_issue(dev, b);
	return false;
}

static void join_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, mcast.join_work);
	struct ipib_mcast_table *t = &dev->mcast;
	struct join_scan s = {};
	struct ipib_mcast *g;
	LIST_HEAD(list);

	mutex_lock(&t->lock);
	collect(t, &list, want_answered, NULL);
	while ((g = pass_next(&list))) {
		join_answer(dev, g);
		group_put(g);
	}

	s.now = jiffies;
	if (!port_active(dev)) {
		/* The port event's flush restarts us; poll meanwhile. */
		s.next = s.now + HZ;
		s.have_next = true;
	} else if (bcast_step(dev, &s)) {
		cpi_query(dev);
		collect(t, &list, want_join, &s);
		while ((g = pass_next(&list))) {
			join_issue(dev, g);
			group_put(g);
		}
	}
	mutex_unlock(&t->lock);

	if (s.have_next)
		join_schedule(dev, max_t(long, s.next - jiffies, 1), false);
}

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
	g = group_find(t, mgid);
	subscribed = g && !g->sendonly;
	if (subscribed)
		g->keep = true;
	spin_unlock_bh(&t->tree_lock);
	if (subscribed || umcast_skip(dev, mgid))
		return;

	fresh = group_alloc(dev, mgid, false, GFP_KERNEL);
	if (!fresh)
		return;
	fresh->keep = true;
	__skb_queue_head_init(&q);
	/* Lookup again: the transmit path may have added a send-only group. */
	spin_lock_bh(&t->tree_lock);
	g = group_find(t, mgid);
	if (g && !g->sendonly) {
		g->keep = true;
		spin_unlock_bh(&t->tree_lock);
		group_put(fresh);
		return;
	}
	if (g) {
		group_unlink(t, g, &q);
		/* Its waiting packets go out once the full join is done. */
		skb_queue_splice_init(&q, &fresh->queue);
	}
	group_link(t, fresh);
	spin_unlock_bh(&t->tree_lock);
	if (g)
		group_teardown(g);
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
	collect(t, &list, want_unkept, NULL);
	while ((g = pass_next(&list))) {
		group_leave(dev, g);
		group_put(g);
	}
	mutex_unlock(&t->lock);
	kfree(mgids);
	join_schedule(dev, 0, true);
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
	       time_after(*now, g->last_used + gc_idle());
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
	collect(t, &list, want_idle_sendonly, &now);
	while ((g = pass_next(&list))) {
		group_leave(dev, g);
		group_put(g);
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
	INIT_DELAYED_WORK(&t->join_work, join_worker);
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
	cpi_start(dev);
	bcast_create(dev);
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
	spin_unlock_bh(&t->tree_lock);
	/* sync_worker queues the join worker: cancel it first. */
	cancel_work_sync(&t->sync_work);
	cancel_delayed_work_sync(&t->join_work);
	cancel_delayed_work_sync(&t->gc_work);

	mutex_lock(&t->lock);
	cpi_stop(dev);
	leave_all(dev);
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
		leave_all(dev);
		bcast_create(dev);
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

/**
 * ipib_mcast_xmit - send one packet to a multicast address
 * @dev: interface
 * @daddr: 20-byte destination address (QPN 0xffffff + MGID)
 * @skb: packet at its 4-byte IPoIB header, pseudo header pulled; consumed
 *
 * Called from ndo_start_xmit (BH off).  An unknown MGID becomes a
 * send-only group; a packet for a group without an AH waits for the join.
 */
void ipib_mcast_xmit(struct ipib_dev *dev, const u8 *daddr,
		     struct sk_buff *skb)
{
	struct ipib_mcast_table *t = &dev->mcast;
	u8 hwaddr[IPIB_PSEUDO_LEN];
	struct ipib_mcast *g;
	struct ipib_ah *ah;
	union ib_gid mgid;

	/* @daddr may live in the skb head, which skb_cow_head() can move. */
	memcpy(hwaddr, daddr, sizeof(hwaddr));
	memcpy(mgid.raw, hwaddr + IPIB_MGID_OFF, sizeof(mgid.raw));

	spin_lock_bh(&t->tree_lock);
	if (unlikely(!t->running || !t->bcast ||
		     t->bcast->state != IPIB_MC_JOINED))
		goto drop;
	/* Addresses mapped before a P_Key change carry the old P_Key. */
	mgid.raw[4] = t->bcast->mgid.raw[4];
	mgid.raw[5] = t->bcast->mgid.raw[5];
	g = group_find(t, &mgid);
	if (!g) {
		g = group_alloc(dev, &mgid, true, GFP_ATOMIC);
		if (unlikely(!g))
			goto drop;
		group_link(t, g);
	}
	g->last_used = jiffies;
	if (g->state != IPIB_MC_JOINED) {
		if (unlikely(group_enqueue(dev, g, hwaddr, skb)))
			goto drop;
		spin_unlock_bh(&t->tree_lock);
		return;
	}
	ah = g->ah;
	spin_unlock_bh(&t->tree_lock);
	/*
	 * The group may be left now, but its AH is destroyed only after an
	 * RCU grace period and after the ring passed this send (BH is off).
	 */
	ipib_ud_send(dev, skb, ah, IB_MULTICAST_QPN);
	return;

drop:
	spin_unlock_bh(&t->tree_lock);
	ipib_tx_drop(dev, skb);
}

/**
 * ipib_mcast_bcast_ready - is the broadcast group joined?
 * @dev: interface
 * @rec_out: if not NULL and joined, receives the broadcast group's record
 *
 * Return: true when the broadcast group is joined, attached and has an AH.
 */
bool ipib_mcast_bcast_ready(struct ipib_dev *dev,
			    struct ib_sa_mcmember_rec *rec_out)
{
	struct ipib_mcast_table *t = &dev->mcast;
	bool ready;

	spin_lock_bh(&t->tree_lock);
	ready = t->bcast && t->bcast->state == IPIB_MC_JOINED;
	if (ready && rec_out)
		*rec_out = t->bcast->rec;
	spin_unlock_bh(&t->tree_lock);
	return ready;
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
		seq_printf(m, "  complete: %s\n", g->ah ? "yes" : "no");
		seq_printf(m, "  send_only: %s\n\n", g->sendonly ? "yes" : "no");
	}
	spin_unlock_bh(&t->tree_lock);
}
