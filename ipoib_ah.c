// SPDX-License-Identifier: GPL-2.0
/*
 * Address handles: reference counted, destroyed late.  The last put parks
 * an AH on the interface's dead list; a reaper destroys it once an RCU
 * grace period has passed (no transmit still holds the pointer) and the
 * send rings have completed the last send that used it, each send queue's
 * ring being followed on its own (struct ipib_ah.last_send).
 */
#include <linux/netdevice.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

/* No send yet: the last send of each ring, as the AH's last. */
static void ah_last_send_init(struct ipib_dev *dev, struct ipib_ah *ah)
{
	unsigned int q;

	for (q = 0; dev->ud.txq && q < dev->ud.max_txq; q++)
		ah->last_send[q] = READ_ONCE(dev->ud.txq[q].ring.head) - 1;
}

/**
 * ipib_ah_create - create an address handle
 * @dev: the interface
 * @attr: address vector
 *
 * May sleep.  The caller owns the returned reference.
 *
 * Return: the AH or an ERR_PTR.
 */
struct ipib_ah *ipib_ah_create(struct ipib_dev *dev, struct rdma_ah_attr *attr)
{
	struct ipib_ah *ah;
	struct ib_ah *vah;

	ah = kzalloc(sizeof(*ah), GFP_KERNEL);
	if (!ah)
		return ERR_PTR(-ENOMEM);

	vah = rdma_create_ah(dev->pd, attr, RDMA_CREATE_AH_SLEEPABLE);
	if (IS_ERR(vah)) {
		kfree(ah);
		return ERR_CAST(vah);
	}
	ah->ah = vah;
	ah->dev = dev;
	refcount_set(&ah->ref, 1);
	ah_last_send_init(dev, ah);
	INIT_LIST_HEAD(&ah->dead_node);
	return ah;
}

/**
 * ipib_ah_put - drop a reference on an address handle
 * @ah: the AH (NULL is ignored)
 *
 * Any context.  The last reference parks the AH on the dead list; the
 * reaper destroys it once no transmit can still see it (RCU) and the send
 * ring has completed its last send.
 */
void ipib_ah_put(struct ipib_ah *ah)
{
	struct ipib_dev *dev;
	unsigned long flags;

	if (!ah || !refcount_dec_and_test(&ah->ref))
		return;

	dev = ah->dev;
	spin_lock_irqsave(&dev->ah_lock, flags);
	ah->gp_cookie = get_state_synchronize_rcu();
	list_add_tail(&ah->dead_node, &dev->dead_ahs);
	spin_unlock_irqrestore(&dev->ah_lock, flags);
	queue_delayed_work(system_wq, &dev->reap_work, round_jiffies_relative(HZ));
}

/*
 * Every send ring has completed the last send that used @ah.  A send
 * queue's ring keeps its sequence numbers while ethtool -L takes the
 * queue away and gives it back, so the comparison holds for all of them;
 * the vendor path has no ring (ud.txq NULL).
 */
static bool ah_done(struct ipib_dev *dev, struct ipib_ah *ah)
{
	unsigned int q, tail;

	if (!poll_state_synchronize_rcu(ah->gp_cookie))
		return false;
	for (q = 0; dev->ud.txq && q < dev->ud.max_txq; q++) {
		/* pairs with the release in ipib_send_ring_retire() */
		tail = smp_load_acquire(&dev->ud.txq[q].ring.tail);
		if ((int)(tail - READ_ONCE(ah->last_send[q])) <= 0)
			return false;
	}
	return true;
}

/**
 * ipib_ah_reap - destroy dead address handles
 * @dev: the interface
 * @force: destroy all of them (the QP is drained or gone, RCU synchronised)
 */
void ipib_ah_reap(struct ipib_dev *dev, bool force)
{
	struct ipib_ah *ah, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&dev->ah_lock, flags);
	list_for_each_entry_safe(ah, tmp, &dev->dead_ahs, dead_node)
		if (force || ah_done(dev, ah))
			list_move(&ah->dead_node, &done);
	spin_unlock_irqrestore(&dev->ah_lock, flags);

	list_for_each_entry_safe(ah, tmp, &done, dead_node) {
		rdma_destroy_ah(ah->ah, RDMA_DESTROY_AH_SLEEPABLE);
		kfree(ah);
	}
}

static void reap_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, reap_work);
	bool more;

	ipib_ah_reap(dev, false);
	spin_lock_irq(&dev->ah_lock);
	more = !list_empty(&dev->dead_ahs);
	spin_unlock_irq(&dev->ah_lock);
	if (!more)
		return;
	/*
	 * ipib_ah_put() only took a snapshot (it may run with interrupts
	 * off); an idle system starts no grace period by itself, so ask for
	 * one here, in process context, or the dead AHs would wait forever.
	 */
	start_poll_synchronize_rcu();
	queue_delayed_work(system_wq, &dev->reap_work,
			   round_jiffies_relative(HZ));
}

/**
 * ipib_ah_init - set up the dead list and the reaper of an interface
 * @dev: the interface
 */
void ipib_ah_init(struct ipib_dev *dev)
{
	spin_lock_init(&dev->ah_lock);
	INIT_LIST_HEAD(&dev->dead_ahs);
	INIT_DELAYED_WORK(&dev->reap_work, reap_worker);
}

/**
 * ipib_ah_uninit - destroy every remaining AH
 * @dev: the interface (QP drained, no AH holder left)
 */
void ipib_ah_uninit(struct ipib_dev *dev)
{
	synchronize_net();
	cancel_delayed_work_sync(&dev->reap_work);
	ipib_ah_reap(dev, true);
}
