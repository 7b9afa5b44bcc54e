// SPDX-License-Identifier: GPL-2.0
/*
 * Connected mode (RFC 4755), the interface side: what an interface can do
 * (SRQ or not, receive size), the room its CQs need, open and stop, the
 * work that starts and reaps connections, switching modes and the debugfs
 * listing.  Passive connections are in ipoib_cm_rx.c, active ones in
 * ipoib_cm_tx.c.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/seq_file.h>
#include <linux/delay.h>

#include "ipoib.h"

#define IPIB_CM_STOP_TIMEOUT	(5 * HZ)
#define IPIB_MAX_NONSRQ		4096

int ipib_max_nonsrq = 128;
module_param_named(max_nonsrq_conn_qp, ipib_max_nonsrq, int, 0444);
MODULE_PARM_DESC(max_nonsrq_conn_qp,
		 "Max number of connected-mode QPs per interface (applied only if shared receive queue is not available)");

/* Out-of-range values are clamped at load, and read back as used. */
void ipib_cm_params_fix(void)
{
	ipib_max_nonsrq = clamp(ipib_max_nonsrq, 0, IPIB_MAX_NONSRQ);
}

/**
 * ipib_cm_dev_init - decide what connected mode can do on this device
 * @dev: the interface (ndo_init, before its CQs exist)
 *
 * Receives use an SRQ when the device has SRQs deep enough; otherwise
 * each passive connection gets its own ring, and the receive CQ bounds
 * how many there may be.  A buffer is at most IPIB_CM_BUF_SIZE bytes in
 * pages, fewer when the device takes fewer receive SGEs: that size is
 * what the REP advertises, so peers never send more than it holds.
 */
void ipib_cm_dev_init(struct ipib_dev *dev)
{
	const struct ib_device_attr *a = &dev->ca->attrs;
	struct ipib_cm *cm = &dev->cm;
	unsigned int sge, room;

	spin_lock_init(&cm->lock);
	mutex_init(&cm->srq_mutex);
	INIT_LIST_HEAD(&cm->rx_list);
	INIT_LIST_HEAD(&cm->tx_list);
	INIT_WORK(&cm->work, ipib_cm_worker);
	INIT_DELAYED_WORK(&cm->stale_work, ipib_cm_stale_worker);
	atomic_set(&cm->tx_inflight, 0);

	cm->use_srq = a->max_srq > 0 && a->max_srq_sge > 0 &&
		      a->max_srq_wr >= ipib_recvq_size;
	sge = cm->use_srq ? a->max_srq_sge : a->max_recv_sge;
	cm->nfrags = min_t(unsigned int, sge, IPIB_CM_MAX_FRAGS);
	cm->rx_size = min_t(unsigned int, IPIB_CM_BUF_SIZE,
			    cm->nfrags * PAGE_SIZE);
	room = a->max_cqe > 2 * ipib_recvq_size + 1 ?
	       (a->max_cqe - ipib_recvq_size - 1) / ipib_recvq_size : 0;
	cm->max_nonsrq = min_t(unsigned int, ipib_max_nonsrq, room);
	cm->capable = cm->rx_size >= IPIB_ENCAP_LEN + IPIB_MIN_MTU &&
		      (cm->use_srq || cm->max_nonsrq);
}

/**
 * ipib_cm_send_cqes - send CQ entries connected mode needs
 * @dev: the interface
 *
 * Return: the bound on sends outstanding over all active connections.
 */
unsigned int ipib_cm_send_cqes(struct ipib_dev *dev)
{
	return dev->cm.capable ? ipib_sendq_size : 0;
}

/**
 * ipib_cm_recv_cqes - receive CQ entries connected mode needs
 * @dev: the interface
 *
 * Return: the SRQ's buffers, or every passive connection's ring, plus the
 * one drain WR in flight.
 */
unsigned int ipib_cm_recv_cqes(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;

	if (!cm->capable)
		return 0;
	return (cm->use_srq ? ipib_recvq_size :
		ipib_recvq_size * cm->max_nonsrq) + 1;
}

/**
 * ipib_cm_max_mtu - the largest MTU connected mode allows
 * @dev: the interface
 *
 * Return: what one receive buffer holds, minus the IPoIB header.
 */
unsigned int ipib_cm_max_mtu(struct ipib_dev *dev)
{
	return min_t(unsigned int, dev->cm.rx_size - IPIB_ENCAP_LEN,
		     IPIB_CM_MTU);
}

/**
 * ipib_cm_open - start listening for connections
 * @dev: the interface (its UD QP just reached RTS; RX NAPI not yet on)
 *
 * A failure leaves the interface in service without connections: peers
 * then get a REJ from the CM and our own sends use UD.
 */
void ipib_cm_open(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;
	int rc;

	ASSERT_RTNL();
	if (!cm->capable)
		return;
	rc = ipib_cm_rx_open(dev);
	if (rc) {
		netdev_warn(dev->ndev, "no connected-mode listener (%d)\n", rc);
		return;
	}
	spin_lock_irq(&cm->lock);
	cm->running = true;
	spin_unlock_irq(&cm->lock);
}

/* Run the work until every connection is gone, at most 5 s. */
static void cm_wait_idle(struct ipib_dev *dev)
{
	unsigned long deadline = jiffies + IPIB_CM_STOP_TIMEOUT;
	struct ipib_cm *cm = &dev->cm;

	for (;;) {
		queue_work(dev->wq, &cm->work);
		flush_work(&cm->work);
		if (ipib_cm_rx_idle(dev) && ipib_cm_tx_idle(dev))
			return;
		if (time_after(jiffies, deadline))
			break;
		usleep_range(10000, 20000);
	}
	netdev_warn(dev->ndev, "connections did not drain in time, freeing them\n");
	ipib_cm_rx_reap(dev, true);
	ipib_cm_tx_reap(dev, true);
}

/**
 * ipib_cm_stop - tear down every connection and the listener
 * @dev: the interface (RTNL; its NAPIs still run, to take the flushes)
 */
void ipib_cm_stop(struct ipib_dev *dev)
{
	struct ipib_cm *cm = &dev->cm;

	ASSERT_RTNL();
	if (!cm->capable)
		return;
	spin_lock_irq(&cm->lock);
	cm->running = false;
	spin_unlock_irq(&cm->lock);
	cancel_delayed_work_sync(&cm->stale_work);
	ipib_cm_rx_stop(dev);
	ipib_cm_tx_kill_all(dev);
	cm_wait_idle(dev);
	ipib_cm_rx_close(dev);
}

/**
 * ipib_cm_uninit - final teardown
 * @dev: the interface (stopped)
 */
void ipib_cm_uninit(struct ipib_dev *dev)
{
	cancel_work_sync(&dev->cm.work);
	cancel_delayed_work_sync(&dev->cm.stale_work);
}

/**
 * ipib_cm_reap_done - a reaper destroyed the batch it took
 * @dev: the interface
 *
 * A batch counts in dev->cm.reaping from the moment it leaves its list,
 * so that stop does not take the lists' emptiness for the end.
 */
void ipib_cm_reap_done(struct ipib_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->cm.lock, flags);
	dev->cm.reaping--;
	spin_unlock_irqrestore(&dev->cm.lock, flags);
}

/**
 * ipib_cm_worker - start new active connections, reap dead ones
 * @work: dev->cm.work
 *
 * On the interface's ordered workqueue, so it never runs twice at once:
 * a connection being started is never reaped under its feet.
 */
void ipib_cm_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(work, struct ipib_dev, cm.work);

	ipib_cm_rx_reap(dev, false);
	ipib_cm_tx_reap(dev, false);
	ipib_cm_tx_start(dev);
}

/*
 * Apply @mode: features (UD-only offloads), then the MTU.  On failure the
 * old mode is back in place.
 */
static int cm_apply_mode(struct ipib_dev *dev, enum ipib_mode mode)
{
	enum ipib_mode old = dev->mode;
	int rc;

	WRITE_ONCE(dev->mode, mode);
	netdev_update_features(dev->ndev);
	rc = ipib_mtu_for_mode(dev);
	if (rc) {
		WRITE_ONCE(dev->mode, old);
		netdev_update_features(dev->ndev);
	}
	return rc;
}

/**
 * ipib_cm_set_mode - switch between datagram and connected mode
 * @dev: the interface
 * @mode: the requested mode
 *
 * Connected mode lifts the MTU to what a connection carries and turns the
 * UD-only offloads off; datagram mode brings the MTU back within the
 * broadcast group's limit.  Neighbours are dropped either way, so the next
 * packet to each peer takes the new path (a connection being set up, or
 * UD); established passive connections stay, peers may keep using them.
 * The switch is complete when this returns 0, and has not happened at all
 * when it returns an error.
 *
 * Return: 0, or -EINVAL when this interface cannot use connected mode,
 * or the MTU change's error.
 */
int ipib_cm_set_mode(struct ipib_dev *dev, enum ipib_mode mode)
{
	int rc;

	ASSERT_RTNL();
	if (mode == dev->mode)
		return 0;
	if (mode == IPIB_MODE_CONNECTED && !dev->cm.capable) {
		netdev_info(dev->ndev, "connected mode is not available %s\n",
			    ipib_is_vendor(dev) ?
			    "over the device's IPoIB offload (rdma_netdev)" :
			    "on this device");
		return -EINVAL;
	}
	rc = cm_apply_mode(dev, mode);
	if (rc)
		return rc;
	ipib_neigh_flush(dev);
	netdev_info(dev->ndev, "%s mode, MTU %u\n",
		    mode == IPIB_MODE_CONNECTED ? "connected" : "datagram",
		    dev->ndev->mtu);
	return 0;
}

/**
 * ipib_cm_dump - debugfs <ifname>_cm: counters, then one line per connection
 * @dev: the interface
 * @m: the seq_file
 */
void ipib_cm_dump(struct ipib_dev *dev, struct seq_file *m)
{
	struct ipib_cm_stats *st = &dev->cm.stats;

	seq_printf(m, "stats tx_created %lld tx_up %lld tx_failed %lld rx_accepted %lld rx_rejected %lld too_big %lld inflight %d\n",
		   atomic64_read(&st->tx_created), atomic64_read(&st->tx_up),
		   atomic64_read(&st->tx_failed),
		   atomic64_read(&st->rx_accepted),
		   atomic64_read(&st->rx_rejected),
		   atomic64_read(&st->too_big),
		   atomic_read(&dev->cm.tx_inflight));
	ipib_cm_tx_dump(dev, m);
	ipib_cm_rx_dump(dev, m);
}
