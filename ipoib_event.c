// SPDX-License-Identifier: GPL-2.0
/*
 * The one place where IB port events become work.
 *
 * The event handler (atomic context) maps an event to a flush level and
 * queues that level's work on the global ordered ipib_flush workqueue, which
 * is separate from the per-interface workqueue so a flush may wait for the
 * interface's own work.  The flush itself runs under RTNL, serialised with
 * open and stop:
 *   light  (client reregister, SM change): paths refreshed while still in
 *          use, every group rejoined (a new SM may know none of them).
 *          An SM change to "no SM" (SM LID 0) changes nothing: nothing
 *          could be joined now, and the fabric keeps forwarding for the
 *          memberships there are; the next SM's change rejoins;
 *   normal (port error/active, LID change): down, then up again;
 *   heavy  (P_Key change): re-read the P_Key; if it changed, down, restart
 *          the QP with the new P_Key, up again.
 * A GID change only matters when GID index 0 (our address) changed; then
 * the interface goes down and up with the new address.  A transmit timeout
 * restarts the QP like a heavy flush, whatever the P_Key.  (A peer that
 * moved without any event here is noticed by the path cache instead, when
 * the kernel's neighbour entry for it fails: ipoib_path.c.)
 *
 * Events arrive for the port, so only parents have work queued by the
 * handler; each flush then runs on the parent and on each of its children
 * under the same RTNL hold.  A child's heavy flush looks its P_Key up again
 * and restarts only if it appeared, moved to another index or went away.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_cache.h>

#include "ipoib.h"

/**
 * ipib_flush_queue - queue a flush of the given level
 * @dev: the interface
 * @level: light, normal or heavy
 */
void ipib_flush_queue(struct ipib_dev *dev, enum ipib_flush_level level)
{
	queue_work(ipib_flush_wq, &dev->flush_work[level]);
}

/**
 * ipib_event_handler - map an IB async event to a flush level
 * @handler: the per-HCA handler
 * @event: the event
 *
 * Any context: only queues work.  Events of ports without an interface
 * are ignored.
 */
void ipib_event_handler(struct ib_event_handler *handler,
			struct ib_event *event)
{
	struct ipib_hca *hca = container_of(handler, struct ipib_hca,
					    event_handler);
	u32 port = event->element.port_num;
	struct ipib_dev *dev;

	if (port < rdma_start_port(hca->ca) || port > rdma_end_port(hca->ca))
		return;
	/* pairs with the release in ipib_add_one() */
	dev = smp_load_acquire(&hca->ports[port - rdma_start_port(hca->ca)]);
	if (!dev)
		return;

	switch (event->event) {
	case IB_EVENT_CLIENT_REREGISTER:
		ipib_flush_queue(dev, IPIB_FLUSH_LIGHT);
		break;
	case IB_EVENT_SM_CHANGE:
		queue_work(ipib_flush_wq, &dev->sm_work);
		break;
	case IB_EVENT_GID_CHANGE:
		queue_work(ipib_flush_wq, &dev->gid_work);
		break;
	case IB_EVENT_PORT_ERR:
	case IB_EVENT_PORT_ACTIVE:
	case IB_EVENT_LID_CHANGE:
		ipib_flush_queue(dev, IPIB_FLUSH_NORMAL);
		break;
	case IB_EVENT_PKEY_CHANGE:
		ipib_flush_queue(dev, IPIB_FLUSH_HEAVY);
		break;
	default:
		break;
	}
}

/* Follow a port GUID change at GID index 0; true if the address changed. */
static bool refresh_gid(struct ipib_dev *dev)
{
	union ib_gid gid;

	ASSERT_RTNL();
	if (rdma_query_gid(dev->ca, dev->port, 0, &gid) ||
	    !memcmp(&gid, &dev->local_gid, sizeof(gid)))
		return false;
	dev->local_gid = gid;
	dev_addr_mod(dev->ndev, 4, gid.raw, sizeof(gid));
	call_netdevice_notifiers(NETDEV_CHANGEADDR, dev->ndev);
	return true;
}

/*
 * True when the P_Key in use changed: a parent's at index 0 (value or
 * validity), a child's presence or index.
 */
static bool pkey_changed(struct ipib_dev *dev)
{
	bool was_valid = dev->pkey_valid;
	u16 old_index = dev->pkey_index;
	u16 old = dev->pkey;

	ipib_update_pkey(dev);
	return was_valid != dev->pkey_valid || old != dev->pkey ||
	       (dev->pkey_valid && old_index != dev->pkey_index);
}

static void flush_light(struct ipib_dev *dev)
{
	ipib_paths_refresh(dev);
	ipib_mcast_rejoin(dev);
	ipib_ah_reap(dev, false);
}

/* ipib_ib_stop() quiesces the send side (NAPI, then the queue) itself. */
static void flush_restart_qp(struct ipib_dev *dev)
{
	ipib_ib_stop(dev);
	if (!dev->pkey_valid)
		return;
	if (ipib_ib_open(dev)) {
		netdev_warn(dev->ndev, "could not restart the QP\n");
		return;
	}
	netif_tx_wake_all_queues(dev->ndev);
}

static void do_flush_locked(struct ipib_dev *dev, enum ipib_flush_level level)
{
	ASSERT_RTNL();
	if (!dev->admin_up)
		return;

	ipib_dbg(dev, "flush level %d\n", level);
	if (level == IPIB_FLUSH_LIGHT) {
		if (dev->oper_up)
			flush_light(dev);
		return;
	}

	ipib_dev_down(dev);
	if (level == IPIB_FLUSH_HEAVY)
		flush_restart_qp(dev);
	else if (!dev->qp_ready && dev->pkey_valid && !ipib_ib_open(dev))
		netif_tx_wake_all_queues(dev->ndev);
	ipib_dev_up(dev);
}

static void flush_one(struct ipib_dev *dev, enum ipib_flush_level level)
{
	ASSERT_RTNL();
	if (dev->ndev->reg_state != NETREG_REGISTERED)
		return;
	if (level == IPIB_FLUSH_HEAVY && !pkey_changed(dev))
		return;
	if (refresh_gid(dev) && level == IPIB_FLUSH_LIGHT)
		level = IPIB_FLUSH_NORMAL;
	do_flush_locked(dev, level);
}

static void do_flush(struct ipib_dev *dev, enum ipib_flush_level level)
{
	struct ipib_dev *child;

	rtnl_lock();
	flush_one(dev, level);
	ipib_for_each_child(child, dev)
		flush_one(child, level);
	rtnl_unlock();
}

static void flush_light_worker(struct work_struct *work)
{
	do_flush(container_of(work, struct ipib_dev,
			      flush_work[IPIB_FLUSH_LIGHT]), IPIB_FLUSH_LIGHT);
}

static void flush_normal_worker(struct work_struct *work)
{
	do_flush(container_of(work, struct ipib_dev,
			      flush_work[IPIB_FLUSH_NORMAL]), IPIB_FLUSH_NORMAL);
}

static void flush_heavy_worker(struct work_struct *work)
{
	do_flush(container_of(work, struct ipib_dev,
			      flush_work[IPIB_FLUSH_HEAVY]), IPIB_FLUSH_HEAVY);
}

static bool port_has_sm(struct ipib_dev *dev)
{
	struct ib_port_attr attr;

	if (ib_query_port(dev->ca, dev->port, &attr))
		return false;
	return attr.sm_lid && attr.sm_lid < be16_to_cpu(IB_MULTICAST_LID_BASE);
}

static void sm_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(work, struct ipib_dev, sm_work);

	if (port_has_sm(dev))
		do_flush(dev, IPIB_FLUSH_LIGHT);
	else
		ipib_dbg(dev, "the SM is gone; memberships kept until one returns\n");
}

static void gid_one(struct ipib_dev *dev)
{
	if (dev->ndev->reg_state == NETREG_REGISTERED && refresh_gid(dev))
		do_flush_locked(dev, IPIB_FLUSH_NORMAL);
}

static void gid_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(work, struct ipib_dev, gid_work);
	struct ipib_dev *child;

	rtnl_lock();
	gid_one(dev);
	ipib_for_each_child(child, dev)
		gid_one(child);
	rtnl_unlock();
}

/*
 * The send queue made no progress for watchdog_timeo: the QP may be stuck
 * in an error state that no completion reports.  Restart it.
 */
static void tx_timeout_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(work, struct ipib_dev,
					    tx_timeout_work);

	rtnl_lock();
	if (dev->qp_ready && dev->ndev->reg_state == NETREG_REGISTERED) {
		netdev_warn(dev->ndev, "transmit timeout: restarting the QP\n");
		do_flush_locked(dev, IPIB_FLUSH_HEAVY);
	}
	rtnl_unlock();
}

/**
 * ipib_tx_timeout_queue - restart the QP from process context
 * @dev: the interface
 */
void ipib_tx_timeout_queue(struct ipib_dev *dev)
{
	queue_work(ipib_flush_wq, &dev->tx_timeout_work);
}

void ipib_event_init(struct ipib_dev *dev)
{
	INIT_WORK(&dev->gid_work, gid_worker);
	INIT_WORK(&dev->sm_work, sm_worker);
	INIT_WORK(&dev->tx_timeout_work, tx_timeout_worker);
	INIT_WORK(&dev->flush_work[IPIB_FLUSH_LIGHT], flush_light_worker);
	INIT_WORK(&dev->flush_work[IPIB_FLUSH_NORMAL], flush_normal_worker);
	INIT_WORK(&dev->flush_work[IPIB_FLUSH_HEAVY], flush_heavy_worker);
}

/**
 * ipib_event_cancel - wait for and cancel every pending flush
 * @dev: the interface
 *
 * Must be called without RTNL (a flush takes it).
 */
void ipib_event_cancel(struct ipib_dev *dev)
{
	int i;

	for (i = 0; i < IPIB_FLUSH_LEVELS; i++)
		cancel_work_sync(&dev->flush_work[i]);
	cancel_work_sync(&dev->gid_work);
	cancel_work_sync(&dev->sm_work);
	cancel_work_sync(&dev->tx_timeout_work);
}
