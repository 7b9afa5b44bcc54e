// SPDX-License-Identifier: GPL-2.0
/*
 * softib rdma_netdev ethtool: driver info, link, channels (-l/-L),
 * rings (-g/-G) and per channel statistics (-S).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "rn_priv.h"

#define SIB_RN_CH_STATS	4	/* tx packets/bytes, rx packets/bytes */

static void sib_rn_get_drvinfo(struct net_device *ndev,
			       struct ethtool_drvinfo *info)
{
	struct sib_rn *srn = sib_rn(ndev);

	strscpy(info->driver, "softib[ib_ipoib]", sizeof(info->driver));
	strscpy(info->fw_version, "softib 1.0", sizeof(info->fw_version));
	strscpy(info->bus_info, dev_name(&srn->sdev->ibdev.dev),
		sizeof(info->bus_info));
}

static unsigned int rn_max_ch(struct net_device *ndev)
{
	return min3(SIB_RN_MAX_CH, ndev->num_tx_queues, ndev->num_rx_queues);
}

static void sib_rn_get_channels(struct net_device *ndev,
				struct ethtool_channels *ch)
{
	ch->max_combined = rn_max_ch(ndev);
	ch->combined_count = READ_ONCE(sib_rn(ndev)->nch);
}

/* Children share the parent's receive channels: refused while any exist. */
static int rn_et_set_channels(struct net_device *ndev,
			      struct ethtool_channels *ch)
{
	if (ch->rx_count || ch->tx_count || ch->other_count)
		return -EINVAL;
	return sib_rn_set_channels(sib_rn(ndev), ch->combined_count);
}

static void sib_rn_get_ringparam(struct net_device *ndev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct sib_rn *srn = sib_rn(ndev);

	ring->rx_max_pending = SIB_RN_RING_MAX;
	ring->tx_max_pending = SIB_RN_RING_MAX;
	ring->rx_pending = READ_ONCE(srn->rx_ring);
	ring->tx_pending = READ_ONCE(srn->tx_ring);
}

/* rx: packets a receive channel queues for its NAPI; tx: reported only. */
static int sib_rn_set_ringparam(struct net_device *ndev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct sib_rn *srn = sib_rn(ndev);

	if (ring->rx_mini_pending || ring->rx_jumbo_pending ||
	    ring->rx_pending < SIB_RN_RING_MIN ||
	    ring->rx_pending > SIB_RN_RING_MAX ||
	    ring->tx_pending < SIB_RN_RING_MIN ||
	    ring->tx_pending > SIB_RN_RING_MAX)
		return -EINVAL;
	WRITE_ONCE(srn->rx_ring, ring->rx_pending);
	WRITE_ONCE(srn->tx_ring, ring->tx_pending);
	return 0;
}

static int sib_rn_get_sset_count(struct net_device *ndev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return SIB_RN_MAX_CH * SIB_RN_CH_STATS + 2;
}

static void sib_rn_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		ethtool_sprintf(&data, "tx%u_packets", i);
		ethtool_sprintf(&data, "tx%u_bytes", i);
		ethtool_sprintf(&data, "rx%u_packets", i);
		ethtool_sprintf(&data, "rx%u_bytes", i);
	}
	ethtool_puts(&data, "rx_dropped");
	ethtool_puts(&data, "tx_dropped");
}

static void sib_rn_get_ethtool_stats(struct net_device *ndev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct sib_rn *srn = sib_rn(ndev);
	unsigned int i;

	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		sib_rn_stats_read(&srn->tx[i], &data[0], &data[1]);
		sib_rn_stats_read(&srn->rx[i], &data[2], &data[3]);
		data += SIB_RN_CH_STATS;
	}
	data[0] = atomic64_read(&srn->rx_dropped);
	data[1] = atomic64_read(&srn->tx_dropped);
}

const struct ethtool_ops sib_rn_ethtool_ops = {
	.get_drvinfo = sib_rn_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_channels = sib_rn_get_channels,
	.set_channels = rn_et_set_channels,
	.get_ringparam = sib_rn_get_ringparam,
	.set_ringparam = sib_rn_set_ringparam,
	.get_sset_count = sib_rn_get_sset_count,
	.get_strings = sib_rn_get_strings,
	.get_ethtool_stats = sib_rn_get_ethtool_stats,
};
