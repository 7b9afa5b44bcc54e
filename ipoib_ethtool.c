// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool: driver info, link state and speed, receive CQ moderation, the
 * eight netdev counters and the driver's own event counters.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
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
	return 0;
}

static int ipib_set_coalesce(struct net_device *ndev,
			     struct ethtool_coalesce *coal,
			     struct kernel_ethtool_coalesce *kc,
			     struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	if (coal->rx_coalesce_usecs > 0xffff ||
	    coal->rx_max_coalesced_frames > 0xffff)
		return -EINVAL;
	rc = rdma_set_cq_moderation(dev->ud.recv_cq,
				    coal->rx_max_coalesced_frames,
				    coal->rx_coalesce_usecs);
	if (rc && rc != -EOPNOTSUPP)
		return rc;
	dev->ud.coal_usecs = coal->rx_coalesce_usecs;
	dev->ud.coal_frames = coal->rx_max_coalesced_frames;
	return 0;
}

static const char ipib_stat_names[][ETH_GSTRING_LEN] = {
	"rx_packets", "tx_packets", "rx_bytes", "tx_bytes",
	"tx_errors", "rx_dropped", "tx_dropped", "multicast",
	"mcast_bad_group_mtu",
};

static void ipib_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, ipib_stat_names, sizeof(ipib_stat_names));
}

static int ipib_get_sset_count(struct net_device *ndev, int sset)
{
	return sset == ETH_SS_STATS ? ARRAY_SIZE(ipib_stat_names) : -EOPNOTSUPP;
}

static void ipib_get_ethtool_stats(struct net_device *ndev,
				   struct ethtool_stats *stats, u64 *data)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	struct rtnl_link_stats64 s;

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
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS |
				     ETHTOOL_COALESCE_RX_MAX_FRAMES,
};

void ipib_set_ethtool_ops(struct net_device *ndev)
{
	ndev->ethtool_ops = &ipib_ethtool_ops;
}
