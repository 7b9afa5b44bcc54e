// SPDX-License-Identifier: GPL-2.0
/*
 * IP over InfiniBand: the multicast join state machine and its worker.
 */

#include <linux/jiffies.h>
#include <rdma/ib_verbs.h>

#include "ipoib_mcast_priv.h"

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
	ipib_mcg_release_membership(g);
	join_report(dev, g, status);
	fallback = g->sendonly && !g->as_full &&
		   !READ_ONCE(t->sa_no_sendonly) &&
		   status == -EINVAL;
	__skb_queue_head_init(&q);
	spin_lock_bh(&t->tree_lock);
	ipib_mcg_set_state(t, g, IPIB_MC_IDLE);
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
	ipib_drop_queue_why(dev, &q, IPIB_DROP_TX_MCAST_NOT_JOINED);
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
	ipib_mcg_set_state(t, g, IPIB_MC_JOINING);
	g->answered = false;
	spin_unlock_bh(&t->tree_lock);

	kref_get(&g->ref);	/* owned by the membership */
	sa = ib_sa_join_multicast(&ipib_sa_client, dev->ca, dev->port, &rec,
				  mask, GFP_KERNEL, join_done, g);
	if (IS_ERR(sa)) {
		ipib_mcg_put(g);
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
	if (ipib_is_vendor(dev))
		err = ipib_rn_attach(dev, &g->mgid, g->mlid,
				     g == dev->mcast.bcast);
	else
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

/*
 * The broadcast join gives the interface its Q_Key, its MTU and the
 * traffic class of unicast paths.  A record with an MTU code that means
 * nothing fails the join (it is retried with backoff, and counted).
 */
static int bcast_apply(struct ipib_dev *dev,
		       const struct ib_sa_mcmember_rec *rec)
{
	int err;

	err = ipib_bcast_mtu_learned(dev, rec->mtu);
	if (err) {
		atomic64_inc(&dev->mcast.bad_mtu);
		ipib_warn(dev, "broadcast group has an invalid MTU code %u\n",
			  rec->mtu);
		return err;
	}
	err = ipib_set_qkey(dev, be32_to_cpu(rec->qkey));
	if (err)
		return err;
	ipib_paths_set_tclass(dev, rec->traffic_class);
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
		ipib_mcg_detach(g);
		return PTR_ERR(ah);
	}

	__skb_queue_head_init(&q);
	spin_lock_bh(&t->tree_lock);
	old = g->ah;
	WRITE_ONCE(g->ah, ah);
	g->rec = *rec;
	ipib_mcg_set_state(t, g, IPIB_MC_JOINED);
	g->backoff = 1;
	g->warned = 0;
	g->last_used = jiffies;
	skb_queue_splice_init(&g->queue, &q);
	spin_unlock_bh(&t->tree_lock);
	if (old)
		ipib_ah_put(old);
	mcast_dbg(dev, "joined %pI6, MLID %#x\n", g->mgid.raw,
		  be16_to_cpu(rec->mlid));
	ipib_mcg_resend_queue(&q);
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

/*
 * Returns true once the broadcast group is joined.  Until then it is the
 * only join issued: the other joins need its parameters.
 */
static bool bcast_step(struct ipib_dev *dev, struct join_scan *s)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ipib_mcast *b;

	ipib_mcg_bcast_create(dev);
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

void ipib_mcg_join_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, mcast.join_work);
	struct ipib_mcast_table *t = &dev->mcast;
	struct join_scan s = {};
	struct ipib_mcast *g;
	LIST_HEAD(list);

	mutex_lock(&t->lock);
	ipib_mcg_collect(t, &list, want_answered, NULL);
	while ((g = ipib_mcg_pass_next(&list))) {
		join_answer(dev, g);
		ipib_mcg_put(g);
	}

	s.now = jiffies;
	if (!ipib_port_active(dev)) {
		/* The port event's flush restarts us; poll meanwhile. */
		s.next = s.now + HZ;
		s.have_next = true;
	} else if (bcast_step(dev, &s)) {
		ipib_mcg_cpi_query(dev);
		ipib_mcg_collect(t, &list, want_join, &s);
		while ((g = ipib_mcg_pass_next(&list))) {
			join_issue(dev, g);
			ipib_mcg_put(g);
		}
	}
	mutex_unlock(&t->lock);

	if (s.have_next)
		ipib_mcg_schedule(dev, max_t(long, s.next - jiffies, 1), false);
}
