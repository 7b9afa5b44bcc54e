/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor offload contract (struct rdma_netdev, ib_verbs.h): an HCA
 * driver that answers rdma_netdev_get_params(RDMA_NETDEV_IPOIB) sizes our
 * net_device, fills its private area (which starts with struct
 * rdma_netdev) and brings its own data path: netdev ops, send, multicast
 * attach/detach, P_Key index and transmit timeout.  Everything above the
 * verbs stays ours.  See ipoib_rn.c.
 */
#ifndef _IPIB_IPOIB_RN_H
#define _IPIB_IPOIB_RN_H

#include <linux/netdevice.h>
#include <rdma/ib_verbs.h>

struct ipib_dev;
struct ipib_ah;

/**
 * struct ipib_rn - what the vendor's initializer left us
 * @ops: the vendor's net_device_ops, called under ours (the "inner
 *	layer"); NULL on the built-in path
 * @destructor: the vendor's priv_destructor; ours runs it last
 * @sizeof_priv: private area the vendor asked for
 * @txqs: transmit queues the vendor asked for
 * @rxqs: receive queues the vendor asked for
 *
 * Every field is written by ipib_rn_init() before the net_device is
 * registered and constant after; @destructor is cleared by the one call
 * that runs it (ipib_rn_release()).
 */
struct ipib_rn {
	const struct net_device_ops *ops;
	void (*destructor)(struct net_device *ndev);
	size_t sizeof_priv;
	unsigned int txqs;
	unsigned int rxqs;
};

struct net_device *ipib_rn_alloc(struct ib_device *ca, u32 port,
				 const char *name);
int ipib_rn_init(struct net_device *ndev, struct ib_device *ca, u32 port);
void ipib_rn_release(struct net_device *ndev);
void ipib_rn_link_fit(struct ipib_dev *dev);
unsigned int ipib_rn_link_txqs(void);
unsigned int ipib_rn_link_rxqs(void);

int ipib_rn_dev_init(struct ipib_dev *dev);
void ipib_rn_dev_uninit(struct ipib_dev *dev);
void ipib_rn_ndo_uninit(struct ipib_dev *dev);
int ipib_rn_open(struct ipib_dev *dev);
void ipib_rn_stop(struct ipib_dev *dev);
void ipib_rn_set_id(struct ipib_dev *dev);
void ipib_rn_send(struct ipib_dev *dev, struct sk_buff *skb,
		  struct ipib_ah *ah, u32 dqpn);
int ipib_rn_attach(struct ipib_dev *dev, union ib_gid *mgid, u16 mlid,
		   bool set_qkey);
int ipib_rn_detach(struct ipib_dev *dev, union ib_gid *mgid, u16 mlid);
bool ipib_rn_tx_timeout(struct ipib_dev *dev, unsigned int txqueue);
int ipib_rn_change_mtu(struct ipib_dev *dev, int mtu);
bool ipib_rn_get_stats64(struct ipib_dev *dev, struct rtnl_link_stats64 *s);
int ipib_rn_eth_ioctl(struct ipib_dev *dev, struct ifreq *ifr, int cmd);

/* The contract's half of the private area (both paths have it). */
static inline struct rdma_netdev *ipib_rn(const struct net_device *ndev)
{
	return netdev_priv(ndev);
}

#endif /* _IPIB_IPOIB_RN_H */
