/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP over InfiniBand: multicast engine internals, shared by
 * ipoib_multicast.c (API, list sync, GC), ipoib_mcast_group.c (group
 * objects, tree, leave), ipoib_mcast_join.c (join state machine) and
 * ipoib_mcast_sa.c (SA ClassPortInfo).  See ipoib_multicast.c for the
 * design and ipoib_multicast.h for the locking.
 */
#ifndef _IPIB_MCAST_PRIV_H
#define _IPIB_MCAST_PRIV_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <rdma/ib_sa.h>

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
 * @state: see enum ipib_mcast_state; written under both locks through
 *	ipib_mcg_set_state()
 * @sendonly: created by the transmit path, not subscribed by the stack
 * @as_full: send-only group that joins as a FullMember (SA fallback)
 * @attached: QP attached to @mgid/@mlid (mutex)
 * @keep: mark of the list-sync pass (mutex)
 * @sa: SA membership handle (mutex)
 * @mlid: MLID the QP is attached with (mutex)
 * @rec: the group's record once JOINED (tree_lock)
 * @ah: address handle, set when JOINED (tree_lock; a rejoin replaces it,
 *	the old one put after), released by the last put; the transmit path
 *	reads it through tx_hint without the lock (READ_ONCE)
 * @queue: packets waiting for the join, pseudo header pushed (tree_lock)
 * @backoff: next retry delay in seconds
 * @retry_at: no join before this time (jiffies)
 * @created: creation time (jiffies) for debugfs
 * @last_used: last transmit (jiffies), send-only garbage collection;
 *	the transmit path writes it without the lock (WRITE_ONCE)
 * @warned: join failures reported so far
 * @pass_node: private list of one control pass (mutex)
 * @answered: mailbox written by the SA callback: an answer is waiting
 * @answer_status: its status
 * @answer: its record
 * @rcu: frees the group once the transmit path's lockless readers
 *	(through tx_hint) are done
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
	struct rcu_head rcu;
};

/* ipoib_mcast_group.c */
struct ipib_mcast *ipib_mcg_find(struct ipib_mcast_table *t,
				 const union ib_gid *mgid);
void ipib_mcg_link(struct ipib_mcast_table *t, struct ipib_mcast *g);
void ipib_mcg_set_state(struct ipib_mcast_table *t, struct ipib_mcast *g,
			enum ipib_mcast_state state);
struct ipib_mcast *ipib_mcg_alloc(struct ipib_dev *dev,
				  const union ib_gid *mgid, bool sendonly,
				      gfp_t gfp);
void ipib_mcg_put(struct ipib_mcast *g);
void ipib_mcg_collect(struct ipib_mcast_table *t, struct list_head *out,
		      bool (*want)(struct ipib_mcast *g, void *arg), void *arg);
void ipib_mcg_resend_queue(struct sk_buff_head *q);
void ipib_mcg_schedule(struct ipib_dev *dev, unsigned long delay, bool now);
struct ipib_mcast *ipib_mcg_pass_next(struct list_head *list);
void ipib_mcg_release_membership(struct ipib_mcast *g);
void ipib_mcg_detach(struct ipib_mcast *g);
void ipib_mcg_unlink(struct ipib_mcast_table *t, struct ipib_mcast *g,
		     struct sk_buff_head *q);
void ipib_mcg_teardown(struct ipib_mcast *g);
void ipib_mcg_leave(struct ipib_dev *dev, struct ipib_mcast *g);
void ipib_mcg_leave_all(struct ipib_dev *dev);
void ipib_mcg_bcast_create(struct ipib_dev *dev);

/* ipoib_mcast_sa.c */
void ipib_mcg_cpi_query(struct ipib_dev *dev);
void ipib_mcg_cpi_start(struct ipib_dev *dev);
void ipib_mcg_cpi_stop(struct ipib_dev *dev);

/* ipoib_mcast_join.c */
void ipib_mcg_join_worker(struct work_struct *work);

#endif /* _IPIB_MCAST_PRIV_H */
