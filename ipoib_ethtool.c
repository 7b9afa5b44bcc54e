// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool: driver info, link state and speed, CQ moderation, ring
 * sizes, channels (the number of UD send queues), the eight netdev
 * counters, the driver's own event counters, one drop counter per reason
 * and the counters of each send queue.
 */
#include <linux/ethtool.h>
#include <linux/log2.h>
#include <linux/netdevice.h>
#include <net/sch_generic.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

static void ipib_get_drvinfo(struct net_device *ndev,
			     struct ethtool_drvinfo *info)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	strscpy(info->driver, "ib_ipoib", sizeof(info->driver));
	ib_get_device_fw_str(dev->ca, info->fw_version);
	if (dev->ca->dev.parent)
		strscpy(info->bus_info, dev_name(dev->ca->dev.parent),
			sizeof(info->bus_info));
}

static int lane_rate_mbps(u16 speed)
{
	switch (speed) {
	case IB_SPEED_SDR:
		return 2500;
	case IB_SPEED_DDR:
		return 5000;
	case IB_SPEED_QDR:
	case IB_SPEED_FDR10:
		return 10000;
	case IB_SPEED_FDR:
		return 14000;
	case IB_SPEED_EDR:
		return 25000;
	case IB_SPEED_HDR:
		return 50000;
	case IB_SPEED_NDR:
		return 100000;
	case IB_SPEED_XDR:
		return 200000;
	default:
		return -EINVAL;
	}
}

static int ipib_get_link_ksettings(struct net_device *ndev,
				   struct ethtool_link_ksettings *cmd)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	struct ib_port_attr attr;
	int rate, lanes;

	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	cmd->base.speed = SPEED_UNKNOWN;
	cmd->base.duplex = DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	cmd->base.phy_address = 0xff;
	cmd->base.autoneg = AUTONEG_ENABLE;
	if (!netif_carrier_ok(ndev))
		return 0;

	if (ib_query_port(dev->ca, dev->port, &attr))
		return -EINVAL;
	rate = lane_rate_mbps(attr.active_speed);
	lanes = ib_width_enum_to_int(attr.active_width);
	if (rate < 0 || lanes <= 0)
		return -EINVAL;
	cmd->base.speed = rate * lanes;
	cmd->base.duplex = DUPLEX_FULL;
	return 0;
}

static int ipib_get_coalesce(struct net_device *ndev,
			     struct ethtool_coalesce *coal,
			     struct kernel_ethtool_coalesce *kc,
			     struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	coal->rx_coalesce_usecs = dev->ud.coal_usecs;
	coal->rx_max_coalesced_frames = dev->ud.coal_frames;
	coal->tx_coalesce_usecs = dev->ud.tx_coal_usecs;
	coal->tx_max_coalesced_frames = dev->ud.tx_coal_frames;
	return 0;
}

/*
 * Apply both moderation settings to the CQs; a device without moderation
 * (EOPNOTSUPP) takes them as a wish.
 */
static int apply_coalesce(struct ipib_dev *dev, u16 rx_frames, u16 rx_usecs,
			  u16 tx_frames, u16 tx_usecs)
{
	unsigned int q;
	int rc;

	rc = rdma_set_cq_moderation(dev->ud.recv_cq, rx_frames, rx_usecs);
	if (rc && rc != -EOPNOTSUPP)
		return rc;
	for (q = 0; q < dev->ud.num_txq; q++) {
		rc = rdma_set_cq_moderation(dev->ud.txq[q].cq, tx_frames,
					    tx_usecs);
		if (rc && rc != -EOPNOTSUPP)
			goto err_undo;
	}
	return 0;

err_undo:
	while (q--)
		rdma_set_cq_moderation(dev->ud.txq[q].cq, dev->ud.tx_coal_frames,
				       dev->ud.tx_coal_usecs);
	rdma_set_cq_moderation(dev->ud.recv_cq, dev->ud.coal_frames,
			       dev->ud.coal_usecs);
	return rc;
}

/* The settings stored, onto CQs just made. */
static void reapply_coalesce(struct ipib_dev *dev)
{
	apply_coalesce(dev, dev->ud.coal_frames, dev->ud.coal_usecs,
		       dev->ud.tx_coal_frames, dev->ud.tx_coal_usecs);
}

static int ipib_set_coalesce(struct net_device *ndev,
			     struct ethtool_coalesce *coal,
			     struct kernel_ethtool_coalesce *kc,
			     struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	if (coal->rx_coalesce_usecs > 0xffff ||
	    coal->rx_max_coalesced_frames > 0xffff ||
	    coal->tx_coalesce_usecs > 0xffff ||
	    coal->tx_max_coalesced_frames > 0xffff) {
		NL_SET_ERR_MSG(extack, "moderation settings go up to 65535");
		return -EINVAL;
	}
	rc = apply_coalesce(dev, coal->rx_max_coalesced_frames,
			    coal->rx_coalesce_usecs,
			    coal->tx_max_coalesced_frames,
			    coal->tx_coalesce_usecs);
	if (rc)
		return rc;
	dev->ud.coal_usecs = coal->rx_coalesce_usecs;
	dev->ud.coal_frames = coal->rx_max_coalesced_frames;
	dev->ud.tx_coal_usecs = coal->tx_coalesce_usecs;
	dev->ud.tx_coal_frames = coal->tx_max_coalesced_frames;
	return 0;
}

/* Peers learn a new QPN from a gratuitous ARP/unsolicited NA. */
#define IPIB_ANNOUNCE_POLL	(HZ / 10)
#define IPIB_ANNOUNCE_TRIES	100

/**
 * struct ipib_announce - tell the peers the new address once it can be sent
 * @work: polls on the interface's workqueue, which its destructor drains
 * @ndev: the interface (a reference, so that it outlives the work)
 * @tracker: for @ndev
 * @tries: polls left
 */
struct ipib_announce {
	struct delayed_work work;
	struct net_device *ndev;
	netdevice_tracker tracker;
	unsigned int tries;
};

/*
 * The announcement waits for the carrier and for the qdisc that linkwatch
 * attaches with it; otherwise it would be dropped.  It gives up when the
 * interface is stopped or unregistered, or after 10 s.
 */
static void announce_worker(struct work_struct *work)
{
	struct ipib_announce *a = container_of(to_delayed_work(work),
					       struct ipib_announce, work);
	struct net_device *ndev = a->ndev;

	if (READ_ONCE(ndev->reg_state) != NETREG_REGISTERED ||
	    !netif_running(ndev) || !a->tries--)
		goto out;
	if (!netif_carrier_ok(ndev) || qdisc_tx_is_noop(ndev) ||
	    !rtnl_trylock()) {
		queue_delayed_work(ipib_priv(ndev)->wq, &a->work,
				   IPIB_ANNOUNCE_POLL);
		return;
	}
	__netdev_notify_peers(ndev);
	rtnl_unlock();
out:
	netdev_put(ndev, &a->tracker);
	kfree(a);
}

static void announce_queue(struct ipib_dev *dev)
{
	struct ipib_announce *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return;
	INIT_DELAYED_WORK(&a->work, announce_worker);
	a->ndev = dev->ndev;
	a->tries = IPIB_ANNOUNCE_TRIES;
	netdev_hold(dev->ndev, &a->tracker, GFP_KERNEL);
	queue_delayed_work(dev->wq, &a->work, IPIB_ANNOUNCE_POLL);
}

static void ipib_get_ringparam(struct net_device *ndev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	ring->rx_max_pending = IPIB_MAX_QUEUE;
	ring->tx_max_pending = IPIB_MAX_QUEUE;
	ring->rx_pending = dev->ud.rx.size;
	ring->tx_pending = dev->ud.txq[0].ring.size;
}

/*
 * Start the data path again after ud_pause() and a change (@rc its
 * result): the QPs back to RTS, the TX queues woken, the groups joined.
 */
static int ud_restart(struct ipib_dev *dev, int rc)
{
	if (!dev->admin_up || !dev->pkey_valid)
		return rc;
	if (ipib_ib_open(dev)) {
		netdev_warn(dev->ndev, "could not restart the QP\n");
		return rc ? rc : -EIO;
	}
	netif_tx_wake_all_queues(dev->ndev);
	ipib_dev_up(dev);
	return rc;
}

/* Stop the data path as a heavy flush does (RTNL). */
static void ud_pause(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	if (dev->admin_up) {
		ipib_dev_down(dev);
		ipib_ib_stop(dev);
	}
}

/*
 * Stop the data path as a heavy flush does, resize, and start it again:
 * addresses, routes, neighbours, MTU and mode belong to the net_device and
 * stay; groups are joined again and carrier comes back with the join.
 */
static int rings_reopen(struct ipib_dev *dev, unsigned int sendq,
			unsigned int recvq)
{
	int rc;

	ud_pause(dev);
	rc = ipib_ud_resize(dev, sendq, recvq);
	if (!rc)
		reapply_coalesce(dev);
	rc = ud_restart(dev, rc);
	if (!rc)
		announce_queue(dev);
	return rc;
}

/* A ring size within [@min, IPIB_MAX_QUEUE], rounded up to a power of two. */
static int ring_size(u32 req, unsigned int min, const char *which,
		     struct netlink_ext_ack *extack)
{
	if (req < min || req > IPIB_MAX_QUEUE) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s ring size must be %u to %u",
				       which, min, IPIB_MAX_QUEUE);
		return -EINVAL;
	}
	return roundup_pow_of_two(req);
}

/**
 * ipib_set_ringparam - ethtool -G rx N tx M
 * @ndev: the interface (RTNL)
 * @ring: the sizes asked for
 * @kring: unused (no extended ring parameters)
 * @extack: why a size is refused
 *
 * Sizes the UD rings of this interface alone, rounded up to a power of
 * two; a running interface closes and reopens its rings.  Connected-mode
 * connections keep the module parameters' sizes.
 *
 * Return: 0 or a negative errno.
 */
static int ipib_set_ringparam(struct net_device *ndev,
			      struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int sendq, recvq;

	sendq = ring_size(ring->tx_pending, IPIB_MIN_SENDQ, "tx", extack);
	if (sendq < 0)
		return sendq;
	recvq = ring_size(ring->rx_pending, IPIB_MIN_RECVQ, "rx", extack);
	if (recvq < 0)
		return recvq;
	if (sendq == dev->ud.txq[0].ring.size && recvq == dev->ud.rx.size)
		return 0;
	return rings_reopen(dev, sendq, recvq);
}

/*
 * One receive queue; one TX channel per UD send queue (its own QP, CQ,
 * ring and NAPI).
 */
static void ipib_get_channels(struct net_device *ndev,
			      struct ethtool_channels *ch)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	ch->max_rx = 1;
	ch->max_tx = dev->ud.max_txq;
	ch->rx_count = 1;
	ch->tx_count = dev->ud.num_txq;
}

/**
 * ipib_set_channels - ethtool -L tx N
 * @ndev: the interface (RTNL)
 * @ch: the counts asked for (rx must stay 1, no combined channels)
 *
 * Stops the UD path as ethtool -G does (carrier off until the broadcast
 * group is joined again), gives it @ch->tx_count send queues and starts
 * it again.  Queue 0's QP and so the hardware address stay.
 *
 * Return: 0 or a negative errno (with the queues as they were).
 */
static int ipib_set_channels(struct net_device *ndev,
			     struct ethtool_channels *ch)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	/* the core checked the counts against ipib_get_channels()'s maxima */
	if (ch->rx_count != 1 || ch->combined_count || ch->other_count ||
	    !ch->tx_count)
		return -EINVAL;
	if (ch->tx_count == dev->ud.num_txq)
		return 0;
	ud_pause(dev);
	rc = ipib_ud_set_txqs(dev, ch->tx_count);
	if (!rc)
		reapply_coalesce(dev);
	return ud_restart(dev, rc);
}

static const char ipib_stat_names[][ETH_GSTRING_LEN] = {
	"rx_packets", "tx_packets", "rx_bytes", "tx_bytes",
	"tx_errors", "rx_dropped", "tx_dropped", "multicast",
	"mcast_bad_group_mtu",
	/* connected mode (zero without it) */
	"cm_tx_created", "cm_tx_up", "cm_tx_failed", "cm_rx_accepted",
	"cm_rx_rejected", "tx_too_big",
};

/* In the order of enum ipib_drop_reason. */
static const char ipib_drop_names[][ETH_GSTRING_LEN] = {
	[IPIB_DROP_TX_NO_PATH] = "tx_drop_no_path",
	[IPIB_DROP_TX_PATH_QUERY_FAILED] = "tx_drop_path_query_failed",
	[IPIB_DROP_TX_QUEUE_FULL] = "tx_drop_queue_full",
	[IPIB_DROP_TX_MCAST_NOT_JOINED] = "tx_drop_mcast_not_joined",
	[IPIB_DROP_TX_LENGTH] = "tx_drop_length",
	[IPIB_DROP_TX_NOT_READY] = "tx_drop_not_ready",
	[IPIB_DROP_TX_RING_FULL] = "tx_drop_ring_full",
	[IPIB_DROP_TX_FLUSHED] = "tx_drop_flushed",
	[IPIB_DROP_TX_NOMEM] = "tx_drop_nomem",
	[IPIB_DROP_TX_BAD_HEADER] = "tx_drop_bad_header",
	[IPIB_DROP_TX_SEND_ERROR] = "tx_drop_send_error",
	[IPIB_DROP_RX_LENGTH] = "rx_drop_length",
	[IPIB_DROP_RX_NOMEM] = "rx_drop_nomem",
};

static_assert(ARRAY_SIZE(ipib_drop_names) == IPIB_DROP_REASONS);

/* Per send queue, for every queue the interface may use. */
#define IPIB_TXQ_STATS	2	/* txN_packets, txN_bytes */

static void ipib_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	unsigned int q;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, ipib_stat_names, sizeof(ipib_stat_names));
	data += sizeof(ipib_stat_names);
	memcpy(data, ipib_drop_names, sizeof(ipib_drop_names));
	data += sizeof(ipib_drop_names);
	for (q = 0; q < dev->ud.max_txq; q++) {
		ethtool_sprintf(&data, "tx%u_packets", q);
		ethtool_sprintf(&data, "tx%u_bytes", q);
	}
}

static int ipib_get_sset_count(struct net_device *ndev, int sset)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(ipib_stat_names) + IPIB_DROP_REASONS +
	       dev->ud.max_txq * IPIB_TXQ_STATS;
}

static void ipib_get_ethtool_stats(struct net_device *ndev,
				   struct ethtool_stats *stats, u64 *data)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	struct rtnl_link_stats64 s;
	int i;

	dev_get_stats(ndev, &s);
	data[0] = s.rx_packets;
	data[1] = s.tx_packets;
	data[2] = s.rx_bytes;
	data[3] = s.tx_bytes;
	data[4] = s.tx_errors;
	data[5] = s.rx_dropped;
	data[6] = s.tx_dropped;
	data[7] = s.multicast;
	data[8] = atomic64_read(&dev->mcast.bad_mtu);
	data[9] = atomic64_read(&dev->cm.stats.tx_created);
	data[10] = atomic64_read(&dev->cm.stats.tx_up);
	data[11] = atomic64_read(&dev->cm.stats.tx_failed);
	data[12] = atomic64_read(&dev->cm.stats.rx_accepted);
	data[13] = atomic64_read(&dev->cm.stats.rx_rejected);
	data[14] = atomic64_read(&dev->cm.stats.too_big);
	data += ARRAY_SIZE(ipib_stat_names);
	for (i = 0; i < IPIB_DROP_REASONS; i++)
		data[i] = atomic64_read(&dev->drops[i]);
	data += IPIB_DROP_REASONS;
	for (i = 0; i < dev->ud.max_txq; i++, data += IPIB_TXQ_STATS)
		ipib_txq_stats(&dev->ud.txq[i], &data[0], &data[1]);
}

static const struct ethtool_ops ipib_ethtool_ops = {
	.get_link_ksettings = ipib_get_link_ksettings,
	.get_drvinfo = ipib_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = ipib_get_sset_count,
	.get_strings = ipib_get_strings,
	.get_ethtool_stats = ipib_get_ethtool_stats,
	.set_coalesce = ipib_set_coalesce,
	.get_coalesce = ipib_get_coalesce,
	.get_ringparam = ipib_get_ringparam,
	.set_ringparam = ipib_set_ringparam,
	.get_channels = ipib_get_channels,
	.set_channels = ipib_set_channels,
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS |
				     ETHTOOL_COALESCE_RX_MAX_FRAMES |
				     ETHTOOL_COALESCE_TX_USECS |
				     ETHTOOL_COALESCE_TX_MAX_FRAMES,
};

/*
 * Over a vendor's data path without ethtool operations of its own: what
 * does not depend on our rings, CQs and channels.
 */
static const struct ethtool_ops ipib_vendor_ethtool_ops = {
	.get_link_ksettings = ipib_get_link_ksettings,
	.get_drvinfo = ipib_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = ipib_get_sset_count,
	.get_strings = ipib_get_strings,
	.get_ethtool_stats = ipib_get_ethtool_stats,
};

void ipib_set_ethtool_ops(struct net_device *ndev)
{
	ndev->ethtool_ops = &ipib_ethtool_ops;
}

/**
 * ipib_set_ethtool_ops_vendor - after the vendor's initializer
 * @ndev: the interface
 *
 * A vendor's own ethtool operations stay; if it left ours, those that
 * act on the built-in rings and CQs (coalescing, ring sizes, channels)
 * are taken away.
 */
void ipib_set_ethtool_ops_vendor(struct net_device *ndev)
{
	if (ndev->ethtool_ops == &ipib_ethtool_ops)
		ndev->ethtool_ops = &ipib_vendor_ethtool_ops;
}
