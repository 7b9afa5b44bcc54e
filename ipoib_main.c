// SPDX-License-Identifier: GPL-2.0
/*
 * IP over InfiniBand (RFC 4391, datagram mode): module init, the IB client
 * that creates one net_device per IB port, the net_device operations and
 * the transmit dispatch.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/if_arp.h>
#include <linux/if_infiniband.h>
#include <linux/log2.h>
#include <linux/rtnetlink.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_sa.h>

#include "ipoib.h"
#include "ipoib_cma.h"
#include "ipoib_vf.h"

MODULE_AUTHOR("ib_ipoib clean-room authors");
MODULE_DESCRIPTION("IP-over-InfiniBand net driver");
MODULE_LICENSE("GPL");

/*
 * The ring sizes are ints as users know them (any int is taken and
 * clamped, a value out of int range is refused by the parameter parser);
 * at load they are rounded up to a power of two within the bounds below and
 * the parameters then read back what the driver uses.
 */
static int sendq_param = 128;
static int recvq_param = 256;
unsigned int ipib_sendq_size;
unsigned int ipib_recvq_size;
module_param_named(send_queue_size, sendq_param, int, 0444);
MODULE_PARM_DESC(send_queue_size, "Number of descriptors in send queue");
module_param_named(recv_queue_size, recvq_param, int, 0444);
MODULE_PARM_DESC(recv_queue_size, "Number of descriptors in receive queue");

int ipib_debug_level;
module_param_named(debug_level, ipib_debug_level, int, 0644);
MODULE_PARM_DESC(debug_level, "Enable debug tracing if > 0");
int ipib_mcast_debug_level;
module_param_named(mcast_debug_level, ipib_mcast_debug_level, int, 0644);
MODULE_PARM_DESC(mcast_debug_level,
		 "Enable multicast debug tracing if > 0");

struct ib_sa_client ipib_sa_client;
struct workqueue_struct *ipib_flush_wq;
static struct ib_client ipib_client;

/* ------------------------------------------------------------------ */
/* Header operations and transmit dispatch                             */

static int ipib_hard_header(struct sk_buff *skb, struct net_device *ndev,
			    unsigned short type, const void *daddr,
			    const void *saddr, unsigned int len)
{
	struct ipib_pseudo_header *ph;
	struct ipib_header *hdr;

	hdr = skb_push(skb, sizeof(*hdr));
	hdr->proto = htons(type);
	hdr->reserved = 0;

	ph = skb_push(skb, sizeof(*ph));
	if (!daddr) {
		/* not resolved yet: tell the caller the header is incomplete */
		memset(ph->hwaddr, 0, sizeof(ph->hwaddr));
		return -IPIB_HARD_LEN;
	}
	memcpy(ph->hwaddr, daddr, INFINIBAND_ALEN);
	return IPIB_HARD_LEN;
}

/*
 * header_ops->parse: the source of a packet for packet sockets (captures),
 * nflog and nfqueue.  All of them take at most 8 bytes (the sll_addr of
 * sockaddr_ll and of libpcap's cooked header, hw_addr[8] in the netfilter
 * messages), less than the 20-byte address, so the answer is the part that
 * names the sending port: its port GUID (bytes 12-19 of its address).  Ours
 * on transmit and on multicast looped back to us; on receive the sender's,
 * from the GRH or, for unicast that came without one, from the path cache
 * by the sender's LID.
 */
static int ipib_header_parse(const struct sk_buff *skb,
			     const struct net_device *ndev, unsigned char *haddr)
{
	const struct ipib_rx_source *src;
	const size_t len = sizeof(src->guid);

	/* our own: sent, or looped back (multicast) with our pseudo header */
	if (skb->pkt_type == PACKET_OUTGOING ||
	    skb->pkt_type == PACKET_LOOPBACK) {
		memcpy(haddr, ndev->dev_addr + INFINIBAND_ALEN - len, len);
		return len;
	}
	if (skb_mac_header_len(skb) < IPIB_HARD_LEN)
		return 0;
	src = (const struct ipib_rx_source *)skb_mac_header(skb);
	if (memchr_inv(src->guid, 0, len)) {
		memcpy(haddr, src->guid, len);
		return len;
	}
	if (src->slid &&
	    ipib_paths_guid_of_lid(ipib_priv(ndev), be16_to_cpu(src->slid),
				   haddr))
		return len;
	return 0;
}

static const struct header_ops ipib_header_ops = {
	.create = ipib_hard_header,
	.parse = ipib_header_parse,
};

static_assert(sizeof(struct ipib_rx_source) == IPIB_PSEUDO_LEN);

static bool mcast_proto_ok(__be16 proto)
{
	switch (ntohs(proto)) {
	case ETH_P_IP:
	case ETH_P_IPV6:
	case ETH_P_ARP:
	case ETH_P_RARP:
	case ETH_P_TIPC:
		return true;
	default:
		return false;
	}
}

static netdev_tx_t ipib_start_xmit(struct sk_buff *skb,
				   struct net_device *ndev)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	u8 daddr[INFINIBAND_ALEN];
	__be16 proto;

	if (unlikely(!pskb_may_pull(skb, IPIB_HARD_LEN)))
		goto drop;
	memcpy(daddr, skb->data, INFINIBAND_ALEN);
	skb_pull(skb, IPIB_PSEUDO_LEN);
	proto = ((struct ipib_header *)skb->data)->proto;

	if (daddr[4] == 0xff) {
		if (unlikely(!mcast_proto_ok(proto)))
			goto drop;
		daddr[8] = dev->pkey >> 8;
		daddr[9] = dev->pkey & 0xff;
		ipib_mcast_xmit(dev, daddr, skb);
		return NETDEV_TX_OK;
	}

	switch (ntohs(proto)) {
	case ETH_P_IP:
	case ETH_P_IPV6:
	case ETH_P_TIPC:
		ipib_neigh_xmit(dev, daddr, skb);
		break;
	case ETH_P_ARP:
	case ETH_P_RARP:
		ipib_path_arp_xmit(dev, daddr, skb);
		break;
	default:
		goto drop;
	}
	return NETDEV_TX_OK;

drop:
	ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_BAD_HEADER);
	return NETDEV_TX_OK;
}

/**
 * ipib_send_skb_queue - re-send skbs that waited for a path or a group
 * @dev: the interface
 * @q: private queue of skbs with the pseudo header pushed back; emptied
 */
void ipib_send_skb_queue(struct ipib_dev *dev, struct sk_buff_head *q)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(q))) {
		skb->dev = dev->ndev;
		dev_queue_xmit(skb);
	}
}

/* ------------------------------------------------------------------ */
/* Carrier and MTU                                                     */

/**
 * ipib_carrier_on_queue - the broadcast group is joined, attached, has an AH
 * @dev: the interface
 *
 * Any context.  The carrier-on work checks the port state and applies the
 * MTU learned from the group.
 */
void ipib_carrier_on_queue(struct ipib_dev *dev)
{
	mod_delayed_work(dev->wq, &dev->carrier_work, 0);
}

/**
 * ipib_port_active - is the interface's IB port ACTIVE?
 * @dev: the interface
 *
 * Return: true when the port can carry traffic.
 */
bool ipib_port_active(struct ipib_dev *dev)
{
	struct ib_port_attr attr;

	if (ib_query_port(dev->ca, dev->port, &attr))
		return false;
	return attr.state == IB_PORT_ACTIVE;
}

/*
 * MTU rules (datagram mode).  The administrator may ask for anything up to
 * the port's limit (admin_mtu); the interface uses the smaller of that and
 * the broadcast group's limit (mcast_mtu).  An administrator who kept the
 * group's value follows the group when it changes; any other choice stays,
 * across rejoins, flushes and SM events.  Called under RTNL at carrier-on.
 */
static void mtu_apply_group(struct ipib_dev *dev)
{
	unsigned int mcast = READ_ONCE(dev->mcast_mtu);
	unsigned int mtu;

	ASSERT_RTNL();
	if (dev->admin_mtu == dev->mtu_base)
		dev->admin_mtu = mcast;
	dev->mtu_base = mcast;
	if (dev->mode != IPIB_MODE_DATAGRAM)
		return;
	mtu = min(mcast, dev->admin_mtu);
	if (mtu == dev->ndev->mtu)
		return;
	/* through the core for its notifiers, leaving admin_mtu as it is */
	dev->mtu_internal = true;
	dev_set_mtu(dev->ndev, mtu);
	dev->mtu_internal = false;
}

/*
 * Never sleeps on RTNL: ndo_stop cancels this work while holding it.  When
 * RTNL is busy it comes back 20 ms later instead, leaving the ordered
 * workqueue free for the join, path and GC work meanwhile.
 */
static void carrier_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, carrier_work);

	if (!READ_ONCE(dev->oper_up) || !ipib_port_active(dev))
		return;
	if (!rtnl_trylock()) {
		queue_delayed_work(dev->wq, &dev->carrier_work,
				   msecs_to_jiffies(20));
		return;
	}
	if (dev->oper_up) {
		mtu_apply_group(dev);
		netif_carrier_on(dev->ndev);
	}
	rtnl_unlock();
}

/*
 * The broadcast group's MTU, for our data path and for the vendor's
 * (rdma_netdev.mtu: a vendor may check its sends against it).
 */
static void ipib_set_mcast_mtu(struct ipib_dev *dev, unsigned int mtu)
{
	WRITE_ONCE(dev->mcast_mtu, mtu);
	WRITE_ONCE(ipib_rn(dev->ndev)->mtu, mtu);
}

/**
 * ipib_bcast_mtu_learned - the broadcast join gave the group's MTU
 * @dev: the interface
 * @mtu: the MTU code of the MCMemberRecord
 *
 * Called by the join worker.  A group MTU above the port's is clamped to
 * the port's (the receive buffers are sized for the port); the interface
 * MTU follows at carrier-on (mtu_apply_group()).
 *
 * Return: 0, or -EINVAL when @mtu is not a valid MTU code.
 */
int ipib_bcast_mtu_learned(struct ipib_dev *dev, enum ib_mtu mtu)
{
	int bytes = ib_mtu_enum_to_int(mtu);

	if (bytes <= IPIB_ENCAP_LEN)
		return -EINVAL;
	ipib_set_mcast_mtu(dev, min_t(unsigned int, bytes - IPIB_ENCAP_LEN,
				      dev->port_mtu));
	return 0;
}

static int ipib_change_mtu(struct net_device *ndev, int new_mtu)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	ASSERT_RTNL();
	if (dev->mtu_internal)
		return ipib_rn_change_mtu(dev, new_mtu);
	if (dev->mode == IPIB_MODE_CONNECTED) {
		/* beyond the group's MTU only connected peers are reached */
		if (new_mtu < IPIB_MIN_MTU || new_mtu > ipib_cm_max_mtu(dev))
			return -EINVAL;
		WRITE_ONCE(ndev->mtu, new_mtu);
		return 0;
	}
	if (new_mtu < IPIB_MIN_MTU || new_mtu > dev->port_mtu)
		return -EINVAL;
	if (new_mtu > READ_ONCE(dev->mcast_mtu))
		ipib_dbg(dev, "MTU %d limited to the broadcast group's %u\n",
			 new_mtu, READ_ONCE(dev->mcast_mtu));
	rc = ipib_rn_change_mtu(dev, min_t(unsigned int,
					   READ_ONCE(dev->mcast_mtu), new_mtu));
	if (!rc)
		dev->admin_mtu = new_mtu;
	return rc;
}

/**
 * ipib_mtu_for_mode - set the MTU a mode switch calls for
 * @dev: the interface, its new mode already set
 *
 * Connected mode takes the largest MTU a connection carries.  Back in
 * datagram mode the MTU is the broadcast group's limit, or less if the
 * administrator chose less, in either mode.
 *
 * Return: 0 or the error of dev_set_mtu().
 */
int ipib_mtu_for_mode(struct ipib_dev *dev)
{
	unsigned int mtu;
	int rc;

	ASSERT_RTNL();
	if (dev->mode == IPIB_MODE_CONNECTED) {
		mtu = ipib_cm_max_mtu(dev);
	} else {
		dev->admin_mtu = min(dev->admin_mtu, dev->ndev->mtu);
		mtu = min(READ_ONCE(dev->mcast_mtu), dev->admin_mtu);
	}
	dev->mtu_internal = true;
	rc = dev_set_mtu(dev->ndev, mtu);
	dev->mtu_internal = false;
	return rc;
}

/* Checksum and LSO offloads work on UD only. */
static netdev_features_t ipib_fix_features(struct net_device *ndev,
					   netdev_features_t features)
{
	if (READ_ONCE(ipib_priv(ndev)->mode) == IPIB_MODE_CONNECTED)
		features &= ~(NETIF_F_IP_CSUM | NETIF_F_TSO);
	return features;
}

/* ------------------------------------------------------------------ */
/* Up and down                                                         */

/*
 * A child's P_Key is fixed; find it in the port's table, at any index
 * (the full-member entry when the table has both).
 */
static void update_child_pkey(struct ipib_dev *dev)
{
	u16 index;

	dev->pkey_valid = !ib_find_cached_pkey(dev->ca, dev->port, dev->pkey,
					       &index);
	dev->pkey_index = dev->pkey_valid ? index : 0;
}

/**
 * ipib_update_pkey - find the interface's P_Key in the port table
 * @dev: the interface
 *
 * A parent uses whatever P_Key is at index 0; a child looks its own up.
 * Updates dev->pkey (parent), dev->pkey_index, the validity and the
 * broadcast address.
 */
void ipib_update_pkey(struct ipib_dev *dev)
{
	u16 pkey = 0;

	ASSERT_RTNL();
	if (dev->family.parent) {
		update_child_pkey(dev);
	} else {
		dev->pkey_index = 0;
		dev->pkey_valid = !ib_query_pkey(dev->ca, dev->port, 0, &pkey) &&
				  (pkey & 0x7fff);
		if (dev->pkey_valid)
			dev->pkey = pkey | 0x8000;
	}
	if (dev->pkey_valid)
		ipib_rn_set_id(dev);
	WRITE_ONCE(dev->ndev->broadcast[8], dev->pkey >> 8);
	WRITE_ONCE(dev->ndev->broadcast[9], dev->pkey & 0xff);
}

static void refresh_port_info(struct ipib_dev *dev)
{
	struct ib_port_attr attr;

	if (!ib_query_port(dev->ca, dev->port, &attr))
		WRITE_ONCE(dev->local_lid, attr.lid);
}

/**
 * ipib_dev_up - make the interface operational: start the joins
 * @dev: the interface (admin up, QP running)
 *
 * Return: 0, or -ENXIO when the P_Key is missing (carrier stays off).
 */
int ipib_dev_up(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	if (!dev->pkey_valid || !dev->qp_ready)
		return -ENXIO;
	refresh_port_info(dev);
	WRITE_ONCE(dev->oper_up, true);
	ipib_paths_start(dev);
	ipib_neigh_gc_start(dev);
	ipib_mcast_start(dev);
	return 0;
}

/**
 * ipib_dev_down - carrier off, leave all groups, forget paths and neighbours
 * @dev: the interface
 */
void ipib_dev_down(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	WRITE_ONCE(dev->oper_up, false);
	netif_carrier_off(dev->ndev);
	ipib_mcast_stop(dev);
	cancel_delayed_work_sync(&dev->carrier_work);
	ipib_neigh_gc_stop(dev);
	ipib_paths_stop(dev);
	ipib_paths_flush(dev);
	ipib_neigh_flush(dev);
}

/*
 * Without its P_Key in the port table the interface is up with no carrier;
 * the P_Key change event that adds it brings it up (heavy flush).
 */
static int ipib_open(struct net_device *ndev)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	netif_carrier_off(ndev);
	dev->admin_up = true;
	if (!dev->pkey_valid) {
		netdev_warn(ndev, "P_Key 0x%04x is not in the port table\n",
			    dev->pkey);
		goto out_children;
	}
	rc = ipib_ib_open(dev);
	if (rc) {
		dev->admin_up = false;
		return rc;
	}
	ipib_dev_up(dev);
	netif_tx_start_all_queues(ndev);
out_children:
	ipib_children_set_up(dev, true);
	return 0;
}

static int ipib_stop(struct net_device *ndev)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	ipib_children_set_up(dev, false);
	dev->admin_up = false;
	ipib_dev_down(dev);
	ipib_ib_stop(dev);
	ipib_ah_reap(dev, false);
	return 0;
}

static int read_identity(struct ipib_dev *dev);

/* The built-in data path: the rings, CQs, PD and UD QP. */
static int builtin_dev_init(struct ipib_dev *dev)
{
	int rc;

	rc = ipib_ib_init(dev);
	if (rc)
		return rc;
	rc = ipib_verbs_init(dev);
	if (rc) {
		ipib_ib_uninit(dev);
		ipib_ib_free(dev);
	}
	return rc;
}

/*
 * The work queue, the identity and the data path (ours or the vendor's);
 * undone by ipib_destructor(), and the vendor's ndo_init by ndo_uninit.
 */
static int intf_init(struct ipib_dev *dev)
{
	int rc;

	dev->wq = alloc_ordered_workqueue("ipib-%s-%u-%04x", WQ_MEM_RECLAIM,
					  dev_name(&dev->ca->dev), dev->port,
					  dev->pkey);
	if (!dev->wq)
		return -ENOMEM;
	rc = read_identity(dev);
	if (rc)
		goto err_destroy_wq;
	rc = ipib_is_vendor(dev) ? ipib_rn_dev_init(dev) :
	     builtin_dev_init(dev);
	if (rc)
		goto err_destroy_wq;
	return 0;

err_destroy_wq:
	destroy_workqueue(dev->wq);
	return rc;
}

static void intf_uninit(struct ipib_dev *dev)
{
	/* closed: the watchdog cannot queue a transmit-timeout restart now */
	ipib_event_cancel(dev);
	if (ipib_is_vendor(dev)) {
		ipib_rn_dev_uninit(dev);
	} else {
		ipib_ib_uninit(dev);
		ipib_verbs_uninit(dev);
		ipib_ib_free(dev);
	}
	destroy_workqueue(dev->wq);
}

/*
 * Everything an interface owns is created here, under RTNL, for parents
 * and both kinds of children alike; if this fails the core frees nothing
 * of ours, so it unwinds itself.
 */
static int ipib_ndo_init(struct net_device *ndev)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	rc = intf_init(dev);
	if (rc)
		return rc;
	rc = ipib_neigh_init(dev);
	if (rc)
		goto err_intf_uninit;
	ipib_paths_init(dev);
	rc = ipib_mcast_init(dev);
	if (rc)
		goto err_neigh_uninit;
	rc = ipib_family_link(dev);
	if (rc)
		goto err_mcast_uninit;
	return 0;

err_mcast_uninit:
	ipib_mcast_uninit(dev);
err_neigh_uninit:
	ipib_neigh_uninit(dev);
err_intf_uninit:
	ipib_rn_ndo_uninit(dev);
	intf_uninit(dev);
	return rc;
}

static void ipib_ndo_uninit(struct net_device *ndev)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	ipib_family_unlink(dev);
	ipib_mcast_uninit(dev);
	ipib_paths_flush(dev);
	ipib_neigh_uninit(dev);
	ipib_rn_ndo_uninit(dev);
}

/**
 * ipib_destructor - priv_destructor: free all an interface owns
 * @ndev: the interface
 *
 * After unregistration, without RTNL (or on a failed registration, with
 * it, when no work can be queued yet): the flush work may take RTNL.
 * Ours first, then the vendor's destructor and struct ipib_dev.
 */
void ipib_destructor(struct net_device *ndev)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	intf_uninit(dev);
	ipib_family_release(dev);
	ipib_rn_release(ndev);
}

static int ipib_get_iflink(const struct net_device *ndev)
{
	const struct ipib_dev *dev = ipib_priv(ndev);

	return dev->family.parent ? READ_ONCE(dev->family.parent->ndev->ifindex) :
				    READ_ONCE(ndev->ifindex);
}

static void ipib_set_rx_mode(struct net_device *ndev)
{
	ipib_mcast_sync(ipib_priv(ndev));
}

static void ipib_get_stats64(struct net_device *ndev,
			     struct rtnl_link_stats64 *s)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	const struct ipib_ring_stats *rx = &dev->ud.rx.stats;
	unsigned int start, q;
	u64 tx_errors = 0;

	if (ipib_rn_get_stats64(dev, s))
		return;

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		s->rx_packets = rx->packets;
		s->rx_bytes = rx->bytes;
		s->multicast = rx->multicast;
	} while (u64_stats_fetch_retry(&rx->syncp, start));
	/* every send queue the interface may have used */
	for (q = 0; q < dev->ud.max_txq; q++) {
		u64 packets, bytes;

		ipib_txq_stats(&dev->ud.txq[q], &packets, &bytes);
		s->tx_packets += packets;
		s->tx_bytes += bytes;
		tx_errors += atomic64_read(&dev->ud.txq[q].ring.errors);
	}

	s->tx_errors = tx_errors + ndev->stats.tx_errors;
	s->rx_errors = atomic64_read(&dev->ud.rx.errors) + ndev->stats.rx_errors;
	s->tx_dropped = ndev->stats.tx_dropped;
	s->rx_dropped = ndev->stats.rx_dropped;
}

static void ipib_tx_timeout(struct net_device *ndev, unsigned int txqueue)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	if (ipib_rn_tx_timeout(dev, txqueue))
		return;
	if (txqueue < dev->ud.num_txq)
		ipib_warn(dev, "transmit timeout on queue %u: head %u tail %u\n",
			  txqueue, READ_ONCE(dev->ud.txq[txqueue].ring.head),
			  READ_ONCE(dev->ud.txq[txqueue].ring.tail));
	ipib_tx_timeout_queue(dev);
}

static int ipib_eth_ioctl(struct net_device *ndev, struct ifreq *ifr, int cmd)
{
	return ipib_rn_eth_ioctl(ipib_priv(ndev), ifr, cmd);
}

const struct net_device_ops ipib_netdev_ops = {
	.ndo_init = ipib_ndo_init,
	.ndo_uninit = ipib_ndo_uninit,
	.ndo_open = ipib_open,
	.ndo_stop = ipib_stop,
	.ndo_start_xmit = ipib_start_xmit,
	.ndo_select_queue = ipib_select_queue,
	.ndo_change_mtu = ipib_change_mtu,
	.ndo_fix_features = ipib_fix_features,
	.ndo_set_rx_mode = ipib_set_rx_mode,
	.ndo_get_stats64 = ipib_get_stats64,
	.ndo_tx_timeout = ipib_tx_timeout,
	.ndo_eth_ioctl = ipib_eth_ioctl,
	.ndo_get_iflink = ipib_get_iflink,
	.ndo_set_mac_address = ipib_set_mac_address,
	.ndo_set_vf_link_state = ipib_set_vf_link_state,
	.ndo_set_vf_guid = ipib_set_vf_guid,
	.ndo_get_vf_config = ipib_get_vf_config,
	.ndo_get_vf_guid = ipib_get_vf_guid,
	.ndo_get_vf_stats = ipib_get_vf_stats,
};

/* ------------------------------------------------------------------ */
/* Per-port net_device                                                 */

/**
 * ipib_dev_init_fields - the locks and work items of a new interface
 * @dev: its state, just allocated (ipib_rn_init())
 * @ndev: its net_device
 */
void ipib_dev_init_fields(struct ipib_dev *dev, struct net_device *ndev)
{
	spin_lock_init(&dev->lock);
	dev->ndev = ndev;
	dev->mode = IPIB_MODE_DATAGRAM;
	INIT_DELAYED_WORK(&dev->carrier_work, carrier_worker);
	ipib_event_init(dev);
	ipib_family_init(dev);
}

/**
 * ipib_setup - net_device defaults of every IPoIB interface
 * @ndev: a new net_device (alloc_netdev() or rtnetlink)
 *
 * The creator then gives it our state and the vendor's
 * (ipib_rn_init()), and for a child its parent and P_Key
 * (ipib_child_prepare()).
 */
void ipib_setup(struct net_device *ndev)
{
	static const u8 bcast[INFINIBAND_ALEN] = {
		0x00, 0xff, 0xff, 0xff, 0xff, 0x12, 0x40, 0x1b,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff,
	};

	ndev->netdev_ops = &ipib_netdev_ops;
	ndev->header_ops = &ipib_header_ops;
	ipib_set_ethtool_ops(ndev);
	ndev->type = ARPHRD_INFINIBAND;
	ndev->addr_len = INFINIBAND_ALEN;
	ndev->hard_header_len = IPIB_HARD_LEN;
	ndev->flags = IFF_BROADCAST | IFF_MULTICAST;
	ndev->tx_queue_len = ipib_sendq_size * 2;
	ndev->watchdog_timeo = 10 * HZ;
	ndev->features = NETIF_F_VLAN_CHALLENGED | NETIF_F_HIGHDMA;
	ndev->min_mtu = IPIB_MIN_MTU;
	ndev->max_mtu = IPIB_CM_MTU;
	netif_keep_dst(ndev);
	memcpy(ndev->broadcast, bcast, INFINIBAND_ALEN);
	ndev->rtnl_link_ops = &ipib_link_ops;
	ndev->needs_free_netdev = true;
	ndev->priv_destructor = ipib_destructor;
}

/*
 * The port's limits, LID and GID (children share the parent's port and
 * GID; the QPN part of the address is the interface's own, filled in by
 * ipib_verbs_init()), and the P_Key.  Under RTNL, from ndo_init.
 */
static int read_identity(struct ipib_dev *dev)
{
	u8 addr[INFINIBAND_ALEN] = {};
	struct ib_port_attr attr;
	int rc;

	ASSERT_RTNL();
	rc = ib_query_port(dev->ca, dev->port, &attr);
	if (rc)
		return rc;
	dev->local_lid = attr.lid;
	dev->port_mtu = ib_mtu_enum_to_int(attr.max_mtu) - IPIB_ENCAP_LEN;
	ipib_set_mcast_mtu(dev, dev->port_mtu);
	/* an MTU given to rtnetlink with the new link is the admin's choice */
	dev->admin_mtu = dev->ndev->mtu ? min(dev->ndev->mtu, dev->port_mtu) :
			 dev->port_mtu;
	dev->mtu_base = dev->port_mtu;
	dev->ndev->mtu = dev->admin_mtu;
	dev->ud.rx_buf_size = ib_mtu_enum_to_int(attr.max_mtu) + IPIB_GRH_LEN;

	rc = rdma_query_gid(dev->ca, dev->port, 0, &dev->local_gid);
	if (rc)
		return rc;
	memcpy(addr + 4, dev->local_gid.raw, sizeof(dev->local_gid));
	dev_addr_set(dev->ndev, addr);
	ipib_update_pkey(dev);
	return 0;
}

static struct ipib_dev *ipib_port_add(struct ib_device *ca, u32 port)
{
	struct net_device *ndev;
	struct ipib_dev *dev;
	int rc;

	ndev = ipib_rn_alloc(ca, port, "ib%d");
	if (IS_ERR(ndev))
		return ERR_CAST(ndev);
	dev = ipib_priv(ndev);
	dev->family.kind = IPIB_PARENT;
	SET_NETDEV_DEV(ndev, ca->dev.parent);
	ndev->dev_id = port - 1;
	ndev->dev_port = port - 1;
	ndev->sysfs_groups[0] = &ipib_parent_attr_group;

	rtnl_lock();
	ipib_rn_link_fit(dev);
	rc = register_netdevice(ndev);
	rtnl_unlock();
	if (rc) {
		ipib_rn_release(ndev);
		free_netdev(ndev);
		return ERR_PTR(rc);
	}
	return dev;
}

/*
 * The children go first, in the same batch; the destructors then free
 * the verbs objects of each, children before the parent they hold.
 */
static void ipib_port_remove(struct ipib_dev *dev)
{
	LIST_HEAD(kill);

	/* the event handler is gone: no flush can be queued any more */
	ipib_event_cancel(dev);
	rtnl_lock();
	ipib_children_kill(dev, &kill);
	unregister_netdevice_queue(dev->ndev, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static int ipib_add_one(struct ib_device *ca)
{
	unsigned int nports = rdma_end_port(ca) - rdma_start_port(ca) + 1;
	struct ipib_hca *hca;
	unsigned int count = 0;
	u32 port;

	hca = kzalloc(struct_size(hca, ports, nports), GFP_KERNEL);
	if (!hca)
		return -ENOMEM;
	hca->ca = ca;
	hca->nports = nports;
	/* before the first interface exists, so that no event is missed */
	INIT_IB_EVENT_HANDLER(&hca->event_handler, ca, ipib_event_handler);
	ib_register_event_handler(&hca->event_handler);

	rdma_for_each_port(ca, port) {
		struct ipib_dev *dev;

		if (!rdma_protocol_ib(ca, port))
			continue;
		dev = ipib_port_add(ca, port);
		if (IS_ERR(dev)) {
			dev_warn(&ca->dev, "ib_ipoib: port %u: no interface (%ld)\n",
				 port, PTR_ERR(dev));
			continue;
		}
		/* pairs with the acquire in ipib_event_handler() */
		smp_store_release(&hca->ports[port - rdma_start_port(ca)], dev);
		/*
		 * An event that came before the store was not seen: re-read
		 * the P_Key (a heavy flush does only that while the interface
		 * is down; open reads the port state itself).
		 */
		ipib_flush_queue(dev, IPIB_FLUSH_HEAVY);
		count++;
	}
	if (!count) {
		ib_unregister_event_handler(&hca->event_handler);
		kfree(hca);
		return -EOPNOTSUPP;
	}
	ib_set_client_data(ca, &ipib_client, hca);
	return 0;
}

static void ipib_remove_one(struct ib_device *ca, void *client_data)
{
	struct ipib_hca *hca = client_data;
	unsigned int i;

	ib_unregister_event_handler(&hca->event_handler);
	for (i = 0; i < hca->nports; i++)
		if (hca->ports[i])
			ipib_port_remove(hca->ports[i]);
	kfree(hca);
}

static struct ib_client ipib_client = {
	.name = "ipoib",
	.add = ipib_add_one,
	.remove = ipib_remove_one,
	.get_net_dev_by_params = ipib_get_net_dev_by_params,
};

/* ------------------------------------------------------------------ */
/* Module                                                              */

/* Clamp first, so that rounding up cannot overflow. */
static unsigned int queue_size(int *param, unsigned int min)
{
	unsigned int n = clamp(*param, 1, IPIB_MAX_QUEUE);

	n = max(roundup_pow_of_two(n), min);
	*param = n;
	return n;
}

static void fix_queue_sizes(void)
{
	ipib_sendq_size = queue_size(&sendq_param, IPIB_MIN_SENDQ);
	ipib_recvq_size = queue_size(&recvq_param, IPIB_MIN_RECVQ);
	ipib_cm_params_fix();
}

static int __init ipib_init_module(void)
{
	int rc;

	fix_queue_sizes();
	ipib_flush_wq = alloc_ordered_workqueue("ipib_flush", WQ_MEM_RECLAIM);
	if (!ipib_flush_wq)
		return -ENOMEM;
	rc = ipib_fs_init();
	if (rc)
		goto err_destroy_wq;
	ib_sa_register_client(&ipib_sa_client);
	rc = ipib_netlink_init();
	if (rc)
		goto err_sa_unregister;
	rc = ipib_paths_watch_neighbours();
	if (rc)
		goto err_netlink_uninit;
	rc = ib_register_client(&ipib_client);
	if (rc)
		goto err_unwatch;
	return 0;

err_unwatch:
	ipib_paths_unwatch_neighbours();
err_netlink_uninit:
	ipib_netlink_uninit();
err_sa_unregister:
	ib_sa_unregister_client(&ipib_sa_client);
	ipib_fs_uninit();
err_destroy_wq:
	destroy_workqueue(ipib_flush_wq);
	return rc;
}

static void __exit ipib_cleanup_module(void)
{
	ib_unregister_client(&ipib_client);
	ipib_paths_unwatch_neighbours();
	ipib_netlink_uninit();
	ib_sa_unregister_client(&ipib_sa_client);
	ipib_fs_uninit();
	destroy_workqueue(ipib_flush_wq);
	rcu_barrier();
}

module_init(ipib_init_module);
module_exit(ipib_cleanup_module);
