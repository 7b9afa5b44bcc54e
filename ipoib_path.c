// SPDX-License-Identifier: GPL-2.0
/*
 * SA PathRecord cache.  One ipib_path per destination GID, in an rbtree
 * under dev->lock.  A query runs from the transmit path (atomic); its
 * answer is turned into an AH by a work item (creating an AH may sleep),
 * which then hands the AH to every neighbour on the path and re-sends
 * what waited.  A failed first query frees whatever waited, on the
 * neighbours and on the path, as the SA said there is no way there.
 *
 * A path in use never stays without a query: when ib_sa cannot start one
 * (-EAGAIN while it has no SM address, e.g. right after an SM change) or a
 * refresh times out, the path backs off (250 ms doubling to 16 s) and the
 * retry worker queries it again.  A light flush (client reregister, SM
 * change) marks the paths stale: their AHs keep carrying traffic while
 * refresh queries run, so unicast does not stop while the SM is busy.
 *
 * A peer can also move without any event reaching this port: the SM may
 * give it a new LID and never ask the other ports to reregister.  The
 * kernel's neighbour entry for it then fails its unicast probes; that
 * failure (a netevent) marks the peer's path stale, so that it is queried
 * again and the next resolution of the neighbour reaches the new LID.
 */
#include <linux/netdevice.h>
#include <linux/seq_file.h>
#include <net/neighbour.h>
#include <net/netevent.h>
#include <rdma/ib_sa.h>

#include "ipoib.h"

#define IPIB_PATH_TIMEOUT_MS	1000
#define IPIB_PATH_BACKOFF_MIN	(HZ / 4)
#define IPIB_PATH_BACKOFF_MAX	(16 * HZ)

static struct ipib_path *path_find(struct ipib_dev *dev, const u8 *dgid)
{
	struct rb_node *n = dev->paths.tree.rb_node;

	lockdep_assert_held(&dev->lock);
	while (n) {
		struct ipib_path *path = rb_entry(n, struct ipib_path, node);
		int cmp = memcmp(dgid, path->dgid.raw, sizeof(path->dgid));

		if (cmp < 0)
			n = n->rb_left;
		else if (cmp > 0)
			n = n->rb_right;
		else
			return path;
	}
	return NULL;
}

static void path_insert(struct ipib_dev *dev, struct ipib_path *path)
{
	struct rb_node **n = &dev->paths.tree.rb_node, *parent = NULL;

	lockdep_assert_held(&dev->lock);
	while (*n) {
		struct ipib_path *p = rb_entry(*n, struct ipib_path, node);

		parent = *n;
		if (memcmp(path->dgid.raw, p->dgid.raw, sizeof(p->dgid)) < 0)
			n = &(*n)->rb_left;
		else
			n = &(*n)->rb_right;
	}
	rb_link_node(&path->node, parent, n);
	rb_insert_color(&path->node, &dev->paths.tree);
}

static void path_done_worker(struct work_struct *work);

static struct ipib_path *path_get_or_create(struct ipib_dev *dev,
					    const u8 *dgid)
{
	struct ipib_path *path;

	lockdep_assert_held(&dev->lock);
	path = path_find(dev, dgid);
	if (path)
		return path;

	path = kzalloc(sizeof(*path), GFP_ATOMIC);
	if (!path)
		return NULL;
	path->dev = dev;
	memcpy(path->dgid.raw, dgid, sizeof(path->dgid));
	INIT_LIST_HEAD(&path->neighs);
	skb_queue_head_init(&path->queue);
	path->backoff = IPIB_PATH_BACKOFF_MIN;
	path->retry_at = jiffies;
	init_completion(&path->query_done);
	complete(&path->query_done);
	INIT_WORK(&path->done_work, path_done_worker);
	path_insert(dev, path);
	return path;
}

static void path_query_cb(int status, struct sa_path_rec *resp,
			  unsigned int num_prs, void *ctx)
{
	struct ipib_path *path = ctx;

	if (!status && (!resp || !num_prs))
		status = -EIO;
	path->status = status;
	if (!status)
		path->answer = *resp;
	/* the flush waits for query_done, then cancels done_work */
	queue_work(path->dev->wq, &path->done_work);
	complete(&path->query_done);
}

static int path_query_start(struct ipib_dev *dev, struct ipib_path *path)
{
	struct sa_path_rec rec = {};
	int id;

	lockdep_assert_held(&dev->lock);
	rec.rec_type = SA_PATH_REC_TYPE_IB;
	rec.dgid = path->dgid;
	rec.sgid = dev->local_gid;
	rec.numb_path = 1;
	rec.traffic_class = dev->paths.tclass;
	rec.pkey = cpu_to_be16(dev->pkey);
	reinit_completion(&path->query_done);
	path->querying = true;

	id = ib_sa_path_rec_get(&ipib_sa_client, dev->ca, dev->port, &rec,
				IB_SA_PATH_REC_DGID | IB_SA_PATH_REC_SGID |
				IB_SA_PATH_REC_NUMB_PATH |
				IB_SA_PATH_REC_TRAFFIC_CLASS |
				IB_SA_PATH_REC_PKEY,
				IPIB_PATH_TIMEOUT_MS, GFP_ATOMIC,
				path_query_cb, path, &path->query);
	if (id < 0) {
		ipib_dbg(dev, "path query for %pI6 failed to start: %d\n",
			 path->dgid.raw, id);
		path->querying = false;
		complete(&path->query_done);
		return id;
	}
	path->query_id = id;
	return 0;
}

/*
 * Run the retry worker after @delay unless it is due earlier anyway.  All
 * callers hold dev->lock, so the timer is not moved behind our back.
 */
static void path_retry_arm(struct ipib_dev *dev, unsigned long delay)
{
	struct delayed_work *w = &dev->paths.retry_work;

	lockdep_assert_held(&dev->lock);
	if (!dev->paths.running)
		return;
	if (!delayed_work_pending(w) ||
	    time_before(jiffies + delay, READ_ONCE(w->timer.expires)))
		mod_delayed_work(dev->wq, w, delay);
}

static void path_backoff(struct ipib_dev *dev, struct ipib_path *path)
{
	lockdep_assert_held(&dev->lock);
	path->retry_at = jiffies + path->backoff;
	path_retry_arm(dev, path->backoff);
	path->backoff = min_t(unsigned long, path->backoff * 2,
			      IPIB_PATH_BACKOFF_MAX);
}

/**
 * ipib_path_kick - make sure a path without a usable answer gets a query
 * @dev: the interface
 * @path: the path
 *
 * Starts the query now, or leaves it to the retry worker while the path
 * backs off (also when ib_sa cannot start a query at the moment).
 */
void ipib_path_kick(struct ipib_dev *dev, struct ipib_path *path)
{
	lockdep_assert_held(&dev->lock);
	if (path->querying || !dev->paths.running || !dev->paths.have_tclass)
		return;
	if (time_before(jiffies, path->retry_at)) {
		path_retry_arm(dev, path->retry_at - jiffies);
		return;
	}
	if (path_query_start(dev, path))
		path_backoff(dev, path);
}

/* Does @path need a query: in use, and no answer or a stale one? */
static bool path_wants_query(struct ipib_path *path)
{
	if (path->querying || (path->ah && !path->stale))
		return false;
	return !list_empty(&path->neighs) || !skb_queue_empty(&path->queue);
}

static void path_retry_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev,
					    paths.retry_work);
	struct rb_node *n;

	spin_lock_bh(&dev->lock);
	for (n = rb_first(&dev->paths.tree); n; n = rb_next(n)) {
		struct ipib_path *path = rb_entry(n, struct ipib_path, node);

		if (path_wants_query(path))
			ipib_path_kick(dev, path);
	}
	spin_unlock_bh(&dev->lock);
}

static struct ipib_ah *path_make_ah(struct ipib_dev *dev,
				    struct ipib_path *path)
{
	struct rdma_ah_attr attr;
	struct ipib_ah *ah;

	if (path->status)
		return NULL;
	if (ib_init_ah_attr_from_path(dev->ca, dev->port, &path->answer,
				      &attr, NULL))
		return NULL;
	ah = ipib_ah_create(dev, &attr);
	rdma_destroy_ah_attr(&attr);
	if (IS_ERR(ah)) {
		ipib_warn(dev, "no AH for %pI6: %ld\n", path->dgid.raw,
			  PTR_ERR(ah));
		return NULL;
	}
	return ah;
}

/* Give @ah to the path and its neighbours; collect what waited. */
static struct ipib_ah *path_resolved(struct ipib_dev *dev,
				     struct ipib_path *path,
				     struct ipib_ah *ah,
				     struct sk_buff_head *resend)
{
	struct ipib_ah *old = path->ah;
	struct ipib_neigh *neigh;

	lockdep_assert_held(&dev->lock);
	path->rec = path->answer;
	path->ah = ah;
	path->stale = false;
	path->backoff = IPIB_PATH_BACKOFF_MIN;
	path->retry_at = jiffies;
	list_for_each_entry(neigh, &path->neighs, path_node) {
		struct ipib_ah *nold;

		ipib_ah_get(ah);
		nold = rcu_replace_pointer(neigh->ah, ah,
					   lockdep_is_held(&dev->lock));
		ipib_ah_put(nold);
		skb_queue_splice_tail_init(&neigh->queue, resend);
	}
	skb_queue_splice_tail_init(&path->queue, resend);
	return old;
}

static void path_failed(struct ipib_dev *dev, struct ipib_path *path,
			struct sk_buff_head *drop)
{
	struct ipib_neigh *neigh, *tmp;

	lockdep_assert_held(&dev->lock);
	list_for_each_entry_safe(neigh, tmp, &path->neighs, path_node)
		ipib_neigh_remove_locked(dev, neigh, drop);
	skb_queue_splice_tail_init(&path->queue, drop);
}

/*
 * A refresh that got no answer (SA busy or gone) keeps the AH it had and
 * tries again later; an SA that answers "no such path" ends the path's use.
 */
static bool path_keep_stale(struct ipib_path *path)
{
	return path->ah && path->stale &&
	       (path->status == -ETIMEDOUT || path->status == -EAGAIN ||
		path->status == -EINTR);
}

/*
 * ib_sa reports an answer with an error status (no such record, or any
 * other SA error) as -EINVAL; anything else is a query that got no answer
 * (timeout, no SM).  An answer no AH can be made from counts as no path.
 */
static enum ipib_drop_reason path_drop_reason(struct ipib_path *path)
{
	if (!path->status || path->status == -EINVAL || path->status == -EIO)
		return IPIB_DROP_TX_NO_PATH;
	return IPIB_DROP_TX_PATH_QUERY_FAILED;
}

static void path_done_worker(struct work_struct *work)
{
	struct ipib_path *path = container_of(work, struct ipib_path,
					      done_work);
	struct ipib_dev *dev = path->dev;
	struct sk_buff_head resend, drop;
	struct ipib_ah *ah, *old = NULL;

	__skb_queue_head_init(&resend);
	__skb_queue_head_init(&drop);
	ah = path_make_ah(dev, path);

	spin_lock_bh(&dev->lock);
	path->querying = false;
	if (path->dead) {
		old = ah;
	} else if (ah) {
		old = path_resolved(dev, path, ah, &resend);
	} else if (path_keep_stale(path)) {
		path_backoff(dev, path);
	} else {
		ipib_dbg(dev, "path to %pI6 failed: %d\n", path->dgid.raw,
			 path->status);
		path_failed(dev, path, &drop);
	}
	spin_unlock_bh(&dev->lock);

	ipib_ah_put(old);
	ipib_drop_queue_why(dev, &drop, path_drop_reason(path));
	ipib_send_skb_queue(dev, &resend);
}

/**
 * ipib_path_attach_neigh - link a new neighbour to the path for its GID
 * @dev: the interface
 * @neigh: the neighbour (just inserted)
 *
 * Hands the neighbour the path's AH when the path is resolved, otherwise
 * makes sure a query runs or is retried.
 *
 * Return: 0 or -ENOMEM.
 */
int ipib_path_attach_neigh(struct ipib_dev *dev, struct ipib_neigh *neigh)
{
	struct ipib_path *path;

	lockdep_assert_held(&dev->lock);
	path = path_get_or_create(dev, neigh->addr + 4);
	if (!path)
		return -ENOMEM;
	neigh->path = path;
	list_add_tail(&neigh->path_node, &path->neighs);
	if (path->ah) {
		ipib_ah_get(path->ah);
		rcu_assign_pointer(neigh->ah, path->ah);
	} else {
		ipib_path_kick(dev, path);
	}
	return 0;
}

/**
 * ipib_path_arp_xmit - send a unicast ARP/RARP through the path table
 * @dev: the interface
 * @daddr: destination hardware address
 * @skb: data at the IPoIB header; consumed
 */
void ipib_path_arp_xmit(struct ipib_dev *dev, const u8 *daddr,
			struct sk_buff *skb)
{
	enum ipib_drop_reason why = IPIB_DROP_TX_NOT_READY;
	struct ipib_path *path;
	struct ipib_ah *ah;

	rcu_read_lock();
	spin_lock_bh(&dev->lock);
	if (!ipib_paths_ready(dev))
		goto drop_unlock;
	path = path_get_or_create(dev, daddr + 4);
	why = IPIB_DROP_TX_NOMEM;
	if (!path)
		goto drop_unlock;
	ah = path->ah;
	if (ah) {
		if (path->stale)
			ipib_path_kick(dev, path);
		spin_unlock_bh(&dev->lock);
		/* RCU keeps @ah alive even if the path drops it now */
		ipib_send(dev, skb, ah, ipib_addr_qpn(daddr));
		rcu_read_unlock();
		return;
	}
	why = IPIB_DROP_TX_QUEUE_FULL;
	if (skb_queue_len(&path->queue) >= IPIB_MAX_QUEUED)
		goto drop_unlock;
	skb_push(skb, IPIB_PSEUDO_LEN);
	__skb_queue_tail(&path->queue, skb);
	ipib_path_kick(dev, path);
	spin_unlock_bh(&dev->lock);
	rcu_read_unlock();
	return;

drop_unlock:
	spin_unlock_bh(&dev->lock);
	rcu_read_unlock();
	ipib_tx_drop_why(dev, skb, why);
}

void ipib_paths_init(struct ipib_dev *dev)
{
	dev->paths.tree = RB_ROOT;
	INIT_DELAYED_WORK(&dev->paths.retry_work, path_retry_worker);
}

/**
 * ipib_paths_start - allow queries (the interface is coming up)
 * @dev: the interface
 *
 * Unicast is resolved once the broadcast join has given the traffic
 * class (ipib_paths_set_tclass()).
 */
void ipib_paths_start(struct ipib_dev *dev)
{
	spin_lock_bh(&dev->lock);
	dev->paths.running = true;
	dev->paths.have_tclass = false;
	spin_unlock_bh(&dev->lock);
}

/**
 * ipib_paths_stop - no more queries; wait for the retry worker
 * @dev: the interface (going down)
 */
void ipib_paths_stop(struct ipib_dev *dev)
{
	spin_lock_bh(&dev->lock);
	dev->paths.running = false;
	dev->paths.have_tclass = false;
	spin_unlock_bh(&dev->lock);
	cancel_delayed_work_sync(&dev->paths.retry_work);
}

/**
 * ipib_paths_set_tclass - the broadcast group is joined
 * @dev: the interface
 * @tclass: the group's traffic class, used by every PathRecord query
 *
 * Paths still waiting for a query are queried now.
 */
void ipib_paths_set_tclass(struct ipib_dev *dev, u8 tclass)
{
	spin_lock_bh(&dev->lock);
	dev->paths.tclass = tclass;
	dev->paths.have_tclass = true;
	path_retry_arm(dev, 0);
	spin_unlock_bh(&dev->lock);
}

/**
 * ipib_paths_ready - may unicast be resolved and sent?
 * @dev: the interface
 *
 * True from the first broadcast join after the interface came up until it
 * goes down: a rejoin after a light flush does not stop unicast.
 *
 * Return: true when queries may run.
 */
bool ipib_paths_ready(struct ipib_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	return dev->paths.running && dev->paths.have_tclass;
}

/**
 * ipib_paths_refresh - light flush: query every path again, keep using it
 * @dev: the interface
 *
 * The SM may have changed (or forgotten) paths.  Each path is marked stale
 * and those in use are queried now; their AHs carry traffic until the
 * answers replace them.
 */
void ipib_paths_refresh(struct ipib_dev *dev)
{
	struct rb_node *n;

	spin_lock_bh(&dev->lock);
	for (n = rb_first(&dev->paths.tree); n; n = rb_next(n)) {
		struct ipib_path *path = rb_entry(n, struct ipib_path, node);

		path->stale = true;
		path->backoff = IPIB_PATH_BACKOFF_MIN;
		path->retry_at = jiffies;
	}
	if (dev->paths.running)
		mod_delayed_work(dev->wq, &dev->paths.retry_work, 0);
	spin_unlock_bh(&dev->lock);
}

/**
 * ipib_paths_guid_of_lid - the port GUID behind a LID the cache knows
 * @dev: the interface
 * @lid: a sender's LID, from a receive completion
 * @guid: 8 bytes, the GUID of the first resolved path to @lid
 *
 * For header_ops->parse only (a packet capture or nflog asks for the
 * sender of a packet that came without a GRH): walks the whole cache.
 * Softirq or process context.  Return: whether a path to @lid was found.
 */
bool ipib_paths_guid_of_lid(struct ipib_dev *dev, u16 lid, u8 *guid)
{
	bool found = false;
	struct rb_node *n;

	spin_lock_bh(&dev->lock);
	for (n = rb_first(&dev->paths.tree); n && !found; n = rb_next(n)) {
		struct ipib_path *path = rb_entry(n, struct ipib_path, node);

		if (!path->ah || be32_to_cpu(sa_path_get_dlid(&path->rec)) != lid)
			continue;
		memcpy(guid, path->dgid.raw + 8, 8);
		found = true;
	}
	spin_unlock_bh(&dev->lock);
	return found;
}

/*
 * A neighbour entry of one of our interfaces failed: its unicast probes went
 * unanswered.  Query the peer's path again, keeping its AH meanwhile.  Only
 * the failure counts, not each probe: a peer that answers costs the SA
 * nothing.  Atomic context (neighbour timer), under rcu_read_lock(); the
 * neighbour holds a reference on its net_device, so @dev lives.
 */
static int path_neigh_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct neighbour *n = ptr;
	u8 ha[MAX_ADDR_LEN];
	struct ipib_path *path;
	struct ipib_dev *dev;

	if (event != NETEVENT_NEIGH_UPDATE || !ipib_is_ours(n->dev) ||
	    !(READ_ONCE(n->nud_state) & NUD_FAILED))
		return NOTIFY_DONE;
	dev = ipib_priv(n->dev);
	neigh_ha_snapshot(ha, n, n->dev);
	spin_lock_bh(&dev->lock);
	path = ipib_paths_ready(dev) ? path_find(dev, ha + 4) : NULL;
	if (path && path->ah && !path->stale) {
		ipib_dbg(dev, "neighbour %pI6 failed its probes: path queried again\n",
			 path->dgid.raw);
		path->stale = true;
		path->backoff = IPIB_PATH_BACKOFF_MIN;
		path->retry_at = jiffies;
		ipib_path_kick(dev, path);
	}
	spin_unlock_bh(&dev->lock);
	return NOTIFY_DONE;
}

static struct notifier_block path_neigh_nb = {
	.notifier_call = path_neigh_event,
};

/**
 * ipib_paths_watch_neighbours - re-query the path of a neighbour that fails
 *
 * Return: 0 or a negative errno from the netevent chain.
 */
int ipib_paths_watch_neighbours(void)
{
	return register_netevent_notifier(&path_neigh_nb);
}

void ipib_paths_unwatch_neighbours(void)
{
	unregister_netevent_notifier(&path_neigh_nb);
}

static void path_free(struct ipib_dev *dev, struct ipib_path *path)
{
	if (!completion_done(&path->query_done))
		ib_sa_cancel_query(path->query_id, path->query);
	wait_for_completion(&path->query_done);
	cancel_work_sync(&path->done_work);
	ipib_ah_put(path->ah);
	kfree(path);
}

/**
 * ipib_paths_flush - free every path, its neighbours and waiting skbs
 * @dev: the interface
 *
 * Sleeps: waits for running queries and answer work.
 */
void ipib_paths_flush(struct ipib_dev *dev)
{
	struct ipib_path *path, *tmp;
	struct sk_buff_head drop;
	struct rb_node *n;
	LIST_HEAD(dead);

	__skb_queue_head_init(&drop);
	spin_lock_bh(&dev->lock);
	while ((n = rb_first(&dev->paths.tree))) {
		path = rb_entry(n, struct ipib_path, node);
		rb_erase(n, &dev->paths.tree);
		path->dead = true;
		path_failed(dev, path, &drop);
		list_add_tail(&path->dead_node, &dead);
	}
	spin_unlock_bh(&dev->lock);

	list_for_each_entry_safe(path, tmp, &dead, dead_node)
		path_free(dev, path);
	ipib_drop_queue(dev, &drop);
}

static void path_dump_one(struct seq_file *m, struct ipib_path *path)
{
	const __be16 *g = (const __be16 *)path->dgid.raw;
	unsigned int rate;
	int i;

	seq_puts(m, "GID: ");
	for (i = 0; i < 8; i++)
		seq_printf(m, i ? ":%x" : "%x", be16_to_cpu(g[i]));
	seq_putc(m, '\n');
	if (!path->ah || !be32_to_cpu(sa_path_get_dlid(&path->rec))) {
		seq_printf(m, "  complete: %6s\n\n", "no");
		return;
	}
	rate = ib_rate_to_mbps(path->rec.rate);
	seq_printf(m, "  complete: %6s\n", "yes");
	seq_printf(m, "  DLID:     0x%04x\n",
		   be32_to_cpu(sa_path_get_dlid(&path->rec)));
	seq_printf(m, "  SL: %12d\n", path->rec.sl);
	seq_printf(m, "  rate: %8d.%d Gb/sec\n\n", rate / 1000, rate % 1000);
}

/**
 * ipib_paths_dump - debugfs <ifname>_path content, in DGID order
 * @dev: the interface
 * @m: the seq_file
 */
void ipib_paths_dump(struct ipib_dev *dev, struct seq_file *m)
{
	struct rb_node *n;

	spin_lock_bh(&dev->lock);
	for (n = rb_first(&dev->paths.tree); n; n = rb_next(n))
		path_dump_one(m, rb_entry(n, struct ipib_path, node));
	spin_unlock_bh(&dev->lock);
}
