// SPDX-License-Identifier: GPL-2.0
/*
 * The vendor offload contract (struct rdma_netdev, "enhanced IPoIB").
 *
 * An interface is made in one of two ways, decided when it is allocated:
 *  - vendor path: the HCA answers rdma_netdev_get_params(RDMA_NETDEV_IPOIB).
 *    The net_device gets the vendor's private size and queue counts
 *    (rdma_alloc_netdev(), or the rtnetlink core with ipib_link_ops sized
 *    by ipib_rn_link_fit()), our ipib_setup() runs, then the vendor's
 *    initializer, which fills the private area (struct rdma_netdev first)
 *    and may install its own netdev, ethtool and destructor operations.
 *    Ours then go on top: the vendor's netdev ops become the inner layer
 *    (struct ipib_rn), called from ours for init, uninit, open and stop,
 *    and for the MTU, the counters and the eth ioctls when it has them.
 *    The UD QP, its CQs, rings and NAPIs and connected mode are never
 *    created; the PD is, for the address handles.
 *  - built-in path (the device says EOPNOTSUPP or has no such op): the
 *    private area is a bare struct rdma_netdev, room for IPIB_MAX_TXQ TX
 *    queues (one in use until ethtool -L asks for more) and one RX queue,
 *    and the data path is ours (ipoib_ib.c, ipoib_tx.c, ipoib_verbs.c).
 * Either way our own state, struct ipib_dev, is allocated separately and
 * hangs from rdma_netdev.clnt_priv: ipib_priv() reads it.
 *
 * Address handles on the vendor path.  send() gets the ib_ah of an
 * ipib_ah that the caller holds a reference on or read under RCU (the
 * transmit path runs with BH off, an RCU read side).  The vendor must be
 * done with the ib_ah when send() returns (it copies the address vector
 * into its work request); the AH is destroyed only once its last
 * reference is gone and an RCU grace period has passed since, so never
 * while a send() that was handed it is still running.  Our send ring
 * does not move on this path, so the ring condition of ipib_ah_reap() is
 * always met and the grace period is the whole rule: dead AHs go at the
 * next reap after it.
 *
 * Multiple transmit queues: the vendor's send picks its queue from the
 * skb; above it, paths, neighbours and groups are under dev->lock and
 * RCU, which any number of transmit queues may take.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

/*
 * The largest vendor request seen, for rtnetlink children (RTNL); TX
 * queues at least as many as a built-in child may use.
 */
static unsigned int link_txqs = IPIB_MAX_TXQ;
static unsigned int link_rxqs = 1;

static int vendor_params(struct ib_device *ca, u32 port,
			 struct rdma_netdev_alloc_params *params)
{
	if (!ca->ops.rdma_netdev_get_params)
		return -EOPNOTSUPP;
	return ca->ops.rdma_netdev_get_params(ca, port, RDMA_NETDEV_IPOIB,
					      params);
}

/* The net_device must be as large as the vendor asked for. */
static int vendor_fits(struct net_device *ndev,
		       const struct rdma_netdev_alloc_params *p)
{
	if (p->sizeof_priv >= sizeof(struct rdma_netdev) &&
	    ndev->priv_len >= p->sizeof_priv &&
	    ndev->num_tx_queues >= p->txqs && ndev->num_rx_queues >= p->rxqs)
		return 0;
	netdev_warn(ndev, "the device's rdma_netdev wants %zu bytes, %u/%u queues: not available here\n",
		    p->sizeof_priv, p->txqs, p->rxqs);
	return -EINVAL;
}

/* A vendor that left out what we call unconditionally is not usable. */
static bool vendor_complete(struct net_device *ndev)
{
	const struct net_device_ops *ops = ndev->netdev_ops;
	struct rdma_netdev *rn = ipib_rn(ndev);

	return ops && ops != &ipib_netdev_ops && ops->ndo_open &&
	       ops->ndo_stop && rn->send && rn->attach_mcast &&
	       rn->detach_mcast;
}

/* After the initializer: ours on top, the vendor's kept as the inner layer. */
static int vendor_adopt(struct ipib_dev *dev, struct net_device *ndev)
{
	void (*destructor)(struct net_device *ndev) = ndev->priv_destructor;

	if (destructor == ipib_destructor)
		destructor = NULL;
	if (!vendor_complete(ndev)) {
		netdev_warn(ndev, "the device's rdma_netdev has no open/stop or send/attach/detach\n");
		if (destructor)
			destructor(ndev);
		return -EINVAL;
	}
	dev->rn.ops = ndev->netdev_ops;
	dev->rn.destructor = destructor;
	ndev->netdev_ops = &ipib_netdev_ops;
	ndev->priv_destructor = ipib_destructor;
	ndev->needs_free_netdev = true;
	ipib_set_ethtool_ops_vendor(ndev);
	return 0;
}

static int vendor_init(struct ipib_dev *dev, struct net_device *ndev)
{
	struct rdma_netdev_alloc_params p = {};
	int rc;

	rc = vendor_params(dev->ca, dev->port, &p);
	if (rc)
		return rc;
	rc = vendor_fits(ndev, &p);
	if (rc)
		return rc;
	dev->rn.sizeof_priv = p.sizeof_priv;
	dev->rn.txqs = p.txqs;
	dev->rn.rxqs = p.rxqs;
	/* the TX queues it asked for, as rdma_alloc_netdev() gives them */
	if (p.txqs && p.txqs < ndev->real_num_tx_queues) {
		rc = netif_set_real_num_tx_queues(ndev, p.txqs);
		if (rc)
			return rc;
	}
	/* what rdma_init_netdev() does, with the parameters checked */
	rc = p.initialize_rdma_netdev(dev->ca, dev->port, ndev, p.param);
	if (rc) {
		netdev_warn(ndev, "the device's rdma_netdev initializer failed: %d\n",
			    rc);
		/* only the parameters' answer chooses the built-in path */
		return rc == -EOPNOTSUPP ? -ENODEV : rc;
	}
	return vendor_adopt(dev, ndev);
}

static int builtin_init(struct ipib_dev *dev, struct net_device *ndev)
{
	struct rdma_netdev *rn = ipib_rn(ndev);
	int rc;

	rn->hca = dev->ca;
	rn->port_num = dev->port;
	/* one send queue until ethtool -L (ipib_ud_set_txqs()) */
	rc = netif_set_real_num_tx_queues(ndev, 1);
	if (!rc)
		rc = netif_set_real_num_rx_queues(ndev, 1);
	return rc;
}

/**
 * ipib_rn_init - give a new net_device our state, through the vendor's
 *	initializer when the device has one
 * @ndev: allocated with ipib_setup(), not registered
 * @ca: the HCA
 * @port: its port
 *
 * The vendor's initializer runs after ipib_setup(), so its netdev and
 * ethtool operations win over ours; ours are then put back on top of the
 * netdev ones.  On failure nothing of ours or the vendor's is left and
 * the caller frees @ndev.
 *
 * Return: 0 or a negative errno.
 */
int ipib_rn_init(struct net_device *ndev, struct ib_device *ca, u32 port)
{
	struct ipib_dev *dev;
	int rc;

	if (WARN_ON_ONCE(ndev->priv_len < sizeof(struct rdma_netdev)))
		return -EINVAL;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->ca = ca;
	dev->port = port;
	rc = vendor_init(dev, ndev);
	if (rc == -EOPNOTSUPP)
		rc = builtin_init(dev, ndev);
	if (rc) {
		kfree(dev);
		return rc;
	}
	ipib_rn(ndev)->clnt_priv = dev;
	ipib_dev_init_fields(dev, ndev);
	return 0;
}

/**
 * ipib_rn_alloc - allocate an interface the way the RDMA core does
 * @ca: the HCA
 * @port: its port
 * @name: interface name or format
 *
 * Return: a net_device with our state (see ipib_rn_init()) or an ERR_PTR.
 * Until it is registered the caller undoes it with ipib_rn_release() and
 * free_netdev().
 */
struct net_device *ipib_rn_alloc(struct ib_device *ca, u32 port,
				 const char *name)
{
	struct net_device *ndev;
	int rc;

	ndev = rdma_alloc_netdev(ca, port, RDMA_NETDEV_IPOIB, name,
				 NET_NAME_UNKNOWN, ipib_setup);
	if (IS_ERR(ndev) && PTR_ERR(ndev) == -EOPNOTSUPP)
		ndev = alloc_netdev_mqs(sizeof(struct rdma_netdev), name,
					NET_NAME_UNKNOWN, ipib_setup,
					IPIB_MAX_TXQ, 1) ?:
		       ERR_PTR(-ENOMEM);
	if (IS_ERR(ndev))
		return ndev;
	rc = ipib_rn_init(ndev, ca, port);
	if (rc) {
		free_netdev(ndev);
		return ERR_PTR(rc);
	}
	return ndev;
}

/**
 * ipib_rn_release - free our state and run the vendor's destructor
 * @ndev: the interface
 *
 * The last step of ipib_destructor(), and what a creator calls when the
 * interface never got registered.  Runs once: later calls find nothing.
 */
void ipib_rn_release(struct net_device *ndev)
{
	struct rdma_netdev *rn = ipib_rn(ndev);
	struct ipib_dev *dev = rn->clnt_priv;

	if (!dev)
		return;
	ndev->priv_destructor = NULL;
	if (dev->rn.destructor)
		dev->rn.destructor(ndev);
	rn->clnt_priv = NULL;
	kfree(dev);
}

/**
 * ipib_rn_link_fit - size rtnetlink children for a vendor parent
 * @dev: a parent about to be registered (RTNL)
 *
 * The rtnetlink core allocates a child before it knows the parent, so
 * ipib_link_ops asks for the largest private area and queue counts of
 * all vendor parents; ipib_rn_init() checks them against the parent's.
 */
void ipib_rn_link_fit(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	if (!dev->rn.ops)
		return;
	ipib_link_ops.priv_size = max(ipib_link_ops.priv_size,
				      dev->rn.sizeof_priv);
	link_txqs = max(link_txqs, dev->rn.txqs);
	link_rxqs = max(link_rxqs, dev->rn.rxqs);
}

/* rtnl_link_ops.get_num_tx_queues (RTNL) */
unsigned int ipib_rn_link_txqs(void)
{
	return link_txqs;
}

/* rtnl_link_ops.get_num_rx_queues (RTNL) */
unsigned int ipib_rn_link_rxqs(void)
{
	return link_rxqs;
}

/**
 * ipib_rn_dev_init - ndo_init on the vendor path
 * @dev: the interface (identity read)
 *
 * A PD for the address handles, connected mode marked unavailable, then
 * the vendor's ndo_init (which writes its QPN into address bytes 1-3).
 *
 * Return: 0 or a negative errno (undone).
 */
int ipib_rn_dev_init(struct ipib_dev *dev)
{
	int rc = 0;

	ipib_cm_dev_init(dev);
	dev->cm.capable = false;
	ipib_ah_init(dev);
	dev->pd = ib_alloc_pd(dev->ca, 0);
	if (IS_ERR(dev->pd))
		return PTR_ERR(dev->pd);
	if (dev->rn.ops->ndo_init)
		rc = dev->rn.ops->ndo_init(dev->ndev);
	if (rc) {
		ib_dealloc_pd(dev->pd);
		dev->pd = NULL;
	}
	return rc;
}

/**
 * ipib_rn_ndo_uninit - the vendor's ndo_uninit, last of ours
 * @dev: the interface
 */
void ipib_rn_ndo_uninit(struct ipib_dev *dev)
{
	if (dev->rn.ops && dev->rn.ops->ndo_uninit)
		dev->rn.ops->ndo_uninit(dev->ndev);
}

/**
 * ipib_rn_dev_uninit - the destructor's part on the vendor path
 * @dev: the interface (unregistered; the vendor's uninit has run)
 */
void ipib_rn_dev_uninit(struct ipib_dev *dev)
{
	ipib_cm_uninit(dev);
	ipib_ah_uninit(dev);
	ib_dealloc_pd(dev->pd);
	dev->pd = NULL;
}

/**
 * ipib_rn_set_id - tell the vendor the P_Key index in use
 * @dev: the interface, its P_Key just found in the port table
 */
void ipib_rn_set_id(struct ipib_dev *dev)
{
	struct rdma_netdev *rn = ipib_rn(dev->ndev);

	if (dev->rn.ops && rn->set_id)
		rn->set_id(dev->ndev, dev->pkey_index);
}

/**
 * ipib_rn_open - the vendor's ndo_open: its QP to RTS, its rings filled
 * @dev: the interface (RTNL; P_Key present)
 *
 * Return: 0 or the vendor's error.
 */
int ipib_rn_open(struct ipib_dev *dev)
{
	int rc;

	ASSERT_RTNL();
	if (dev->qp_ready)
		return 0;
	ipib_rn_set_id(dev);
	rc = dev->rn.ops->ndo_open(dev->ndev);
	if (rc) {
		netdev_warn(dev->ndev, "the device's ndo_open failed: %d\n", rc);
		return rc;
	}
	WRITE_ONCE(dev->qp_ready, true);
	return 0;
}

/**
 * ipib_rn_stop - stop sending, then the vendor's ndo_stop
 * @dev: the interface (RTNL)
 *
 * netif_tx_disable() waits for the transmits in progress, so no send()
 * runs when the vendor stops.
 */
void ipib_rn_stop(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	if (!dev->qp_ready)
		return;
	WRITE_ONCE(dev->qp_ready, false);
	netif_tx_disable(dev->ndev);
	dev->rn.ops->ndo_stop(dev->ndev);
}

/**
 * ipib_rn_send - hand one skb to the vendor's send
 * @dev: the interface
 * @skb: data at the 4-byte IPoIB header; consumed
 * @ah: destination (a reference held or read under RCU: see the AH rule
 *	at the top of this file)
 * @dqpn: destination QPN
 *
 * Transmit path, BH off.  The vendor consumes the skb whatever it
 * returns; a negative return counts as a send error.
 */
void ipib_rn_send(struct ipib_dev *dev, struct sk_buff *skb,
		  struct ipib_ah *ah, u32 dqpn)
{
	struct rdma_netdev *rn = ipib_rn(dev->ndev);
	unsigned int mtu = READ_ONCE(dev->mcast_mtu);

	if (unlikely(!READ_ONCE(dev->qp_ready))) {
		ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_NOT_READY);
		return;
	}
	if (unlikely(!skb_is_gso(skb) && skb->len > mtu + IPIB_ENCAP_LEN)) {
		ipib_tx_too_big(dev, skb, mtu);
		return;
	}
	if (unlikely(rn->send(dev->ndev, skb, ah->ah, dqpn) < 0))
		ipib_count_drop(dev, IPIB_DROP_TX_SEND_ERROR);
}

/**
 * ipib_rn_attach - attach the vendor's QP to a multicast group
 * @dev: the interface
 * @mgid: the group
 * @mlid: its LID
 * @set_qkey: the broadcast group: the vendor takes dev->qkey from it
 *
 * Return: 0 or the vendor's error.
 */
int ipib_rn_attach(struct ipib_dev *dev, union ib_gid *mgid, u16 mlid,
		   bool set_qkey)
{
	return ipib_rn(dev->ndev)->attach_mcast(dev->ndev, dev->ca, mgid, mlid,
						set_qkey, READ_ONCE(dev->qkey));
}

/**
 * ipib_rn_detach - detach the vendor's QP from a multicast group
 * @dev: the interface
 * @mgid: the group
 * @mlid: its LID
 *
 * Return: 0 or the vendor's error.
 */
int ipib_rn_detach(struct ipib_dev *dev, union ib_gid *mgid, u16 mlid)
{
	return ipib_rn(dev->ndev)->detach_mcast(dev->ndev, dev->ca, mgid, mlid);
}

/**
 * ipib_rn_tx_timeout - the vendor's transmit timeout handler, if any
 * @dev: the interface
 * @txqueue: the queue that timed out
 *
 * Return: true when the vendor handled it.
 */
bool ipib_rn_tx_timeout(struct ipib_dev *dev, unsigned int txqueue)
{
	struct rdma_netdev *rn = ipib_rn(dev->ndev);

	if (!dev->rn.ops || !rn->tx_timeout)
		return false;
	rn->tx_timeout(dev->ndev, txqueue);
	return true;
}

/**
 * ipib_rn_change_mtu - apply an MTU ours has accepted
 * @dev: the interface (RTNL)
 * @mtu: the new MTU
 *
 * The vendor's ndo_change_mtu when it has one (it sets ndev->mtu), else
 * the MTU is just stored.
 *
 * Return: 0 or the vendor's error.
 */
int ipib_rn_change_mtu(struct ipib_dev *dev, int mtu)
{
	ASSERT_RTNL();
	if (dev->rn.ops && dev->rn.ops->ndo_change_mtu)
		return dev->rn.ops->ndo_change_mtu(dev->ndev, mtu);
	WRITE_ONCE(dev->ndev->mtu, mtu);
	return 0;
}

/**
 * ipib_rn_get_stats64 - the counters on the vendor path
 * @dev: the interface
 * @s: filled in
 *
 * The vendor's ndo_get_stats64, or ndev->stats when it keeps them there.
 *
 * Return: false on the built-in path (nothing done).
 */
bool ipib_rn_get_stats64(struct ipib_dev *dev, struct rtnl_link_stats64 *s)
{
	if (!dev->rn.ops)
		return false;
	if (dev->rn.ops->ndo_get_stats64)
		dev->rn.ops->ndo_get_stats64(dev->ndev, s);
	else
		netdev_stats_to_stats64(s, &dev->ndev->stats);
	return true;
}

/**
 * ipib_rn_eth_ioctl - the vendor's eth ioctls (hardware timestamping)
 * @dev: the interface
 * @ifr: the request
 * @cmd: the ioctl
 *
 * Return: the vendor's answer, or -EOPNOTSUPP.
 */
int ipib_rn_eth_ioctl(struct ipib_dev *dev, struct ifreq *ifr, int cmd)
{
	if (!dev->rn.ops || !dev->rn.ops->ndo_eth_ioctl)
		return -EOPNOTSUPP;
	return dev->rn.ops->ndo_eth_ioctl(dev->ndev, ifr, cmd);
}
