/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP over InfiniBand: multicast engine (group joins, leaves, send path).
 *
 * Locking, outermost first:
 *   RTNL -> ipib_mcast_table.lock (mutex) -> ipib_mcast_table.tree_lock (BH)
 * The mutex serialises every control operation (join issue and completion,
 * leave, attach/detach, list sync, start/stop).  The spinlock protects the
 * group tree and the fields the transmit path reads; it is never held
 * across a call that can sleep or that calls back into the SA layer.
 */
#ifndef _IPIB_MULTICAST_H
#define _IPIB_MULTICAST_H

#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <rdma/ib_sa.h>

struct ib_mad_agent;
struct ipib_dev;
struct seq_file;
struct sk_buff;

/**
 * struct ipib_mcast_table - multicast state of one interface
 * @lock: control mutex (see the top of this file)
 * @tree_lock: protects @groups, @bcast, @running and the per-group fields
 *	read by the transmit path
 * @groups: every group (broadcast included), an rb-tree keyed by MGID
 * @bcast: the broadcast group, NULL while stopped
 * @running: joins allowed; work may only be queued while it is set
 * @sa_no_sendonly: the SA does not support SendOnlyFullMember (its
 *	ClassPortInfo says so, or it refused such a join and accepted the same
 *	group as FullMember); send-only groups use FullMember joins until the
 *	next start (READ_ONCE/WRITE_ONCE)
 * @cpi_agent: GSI MAD agent for the SA ClassPortInfo query (start..stop)
 * @cpi_asked: ClassPortInfo query sent since the last start/rejoin (mutex)
 * @bad_mtu: broadcast joins refused for an invalid MTU code (atomic)
 * @join_work: issues joins, handles join completions, retries with backoff
 * @sync_work: mirrors the netdev multicast list into full-member groups
 * @gc_work: leaves send-only groups that have not been used for a while
 * @tx_hint: the JOINED group the transmit path found last, so the next
 *	packet to it is sent without @tree_lock (RCU: set under @tree_lock
 *	by the transmit path while the broadcast group is JOINED, cleared
 *	under @tree_lock when that group or the broadcast group leaves
 *	JOINED, see ipib_mcg_set_state(); groups are freed after a grace
 *	period)
 */
struct ipib_mcast_table {
	struct mutex lock;		/* control operations */
	spinlock_t tree_lock;		/* tree and transmit fields, BH */
	struct rb_root groups;
	struct ipib_mcast *bcast;
	bool running;
	bool sa_no_sendonly;
	struct ib_mad_agent *cpi_agent;
	bool cpi_asked;
	atomic64_t bad_mtu;
	struct delayed_work join_work;
	struct work_struct sync_work;
	struct delayed_work gc_work;
	struct ipib_mcast __rcu *tx_hint;
};

int ipib_mcast_init(struct ipib_dev *dev);
void ipib_mcast_uninit(struct ipib_dev *dev);
void ipib_mcast_start(struct ipib_dev *dev);
void ipib_mcast_stop(struct ipib_dev *dev);
void ipib_mcast_rejoin(struct ipib_dev *dev);
void ipib_mcast_sync(struct ipib_dev *dev);
void ipib_mcast_xmit(struct ipib_dev *dev, const u8 *daddr,
		     struct sk_buff *skb);
void ipib_mcast_dump(struct ipib_dev *dev, struct seq_file *m);

#endif /* _IPIB_MULTICAST_H */
