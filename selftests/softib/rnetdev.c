// SPDX-License-Identifier: GPL-2.0
/*
 * softib rdma_netdev: the vendor offload path IPoIB takes when the HCA
 * offers one (ib_device_ops.rdma_netdev_get_params answering
 * RDMA_NETDEV_IPOIB; module parameter enhanced=1).  This file is the
 * contract (parameters, initializer), the netdev ops IPoIB keeps as its
 * rn_ops (init/uninit/open/stop/change_mtu/get_stats64), the rn ops
 * (send lives in rn_data.c; attach/detach multicast, set_id, tx_timeout),
 * the channels and the lifetime of a net_device's resources.  See
 * rn_priv.h for the model.
 */
#include <linux/netdevice.h>
#include <linux/slab.h>

#include "rn_priv.h"
#include "rnetdev.h"

#define SIB_RN_FEATURES (NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | \
			 NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_RXCSUM | \
			 NETIF_F_RXHASH | NETIF_F_GRO)

/* The underlay QP: created in RESET, a receive side of its own none. */
static int rn_create_qp(struct sib_rn *srn)
{
	struct ib_device *ibdev = &srn->sdev->ibdev;
	struct ib_cq_init_attr cq_attr = { .cqe = 1 };
	struct ib_qp_init_attr init = {
		.qp_type = IB_QPT_UD,
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.cap = { .max_send_wr = 1, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.create_flags = IB_QP_CREATE_BLOCK_MULTICAST_LOOPBACK,
		.port_num = srn->port->num,
	};

	int err;

	srn->pd = ib_alloc_pd(ibdev, 0);
	if (IS_ERR(srn->pd))
		return PTR_ERR(srn->pd);
	srn->cq = ib_create_cq(ibdev, NULL, NULL, NULL, &cq_attr);
	if (IS_ERR(srn->cq)) {
		err = PTR_ERR(srn->cq);
		goto err_pd;
	}
	init.send_cq = srn->cq;
	init.recv_cq = srn->cq;
	srn->qp = ib_create_qp(srn->pd, &init);
	if (IS_ERR(srn->qp)) {
		err = PTR_ERR(srn->qp);
		goto err_cq;
	}
	return 0;

err_cq:
	ib_destroy_cq(srn->cq);
err_pd:
	ib_dealloc_pd(srn->pd);
	return err;
}

static void rn_destroy_qp(struct sib_rn *srn)
{
	ib_destroy_qp(srn->qp);
	ib_destroy_cq(srn->cq);
	ib_dealloc_pd(srn->pd);
}

static void rn_free_bufs(struct sib_rn *srn)
{
	unsigned int i;

	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		kfree(srn->txch[i].buf);
		srn->txch[i].buf = NULL;
	}
}

static int rn_alloc_bufs(struct sib_rn *srn)
{
	u32 mtu = ib_mtu_enum_to_int(sib_params.mtu);
	unsigned int i;

	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		srn->txch[i].buf = kmalloc(mtu, GFP_KERNEL);
		if (!srn->txch[i].buf) {
			rn_free_bufs(srn);
			return -ENOMEM;
		}
	}
	return 0;
}

/* The first net_device of a port owns the receive channels. */
static void rn_attach_parent(struct sib_rn *srn)
{
	struct sib_rn *parent = srn->port->rn_parent;
	unsigned int i;

	ASSERT_RTNL();
	if (parent) {
		srn->parent = parent;
		parent->nchildren++;
		return;
	}
	srn->parent = srn;
	srn->port->rn_parent = srn;
	for (i = 0; i < SIB_RN_MAX_CH; i++)
		netif_napi_add(srn->ndev, &srn->ch[i].napi, sib_rn_poll);
}

static int sib_rn_ndo_init(struct net_device *ndev)
{
	struct sib_rn *srn = sib_rn(ndev);
	u8 qpn[3];
	int err;

	err = rn_alloc_bufs(srn);
	if (err)
		return err;
	err = rn_create_qp(srn);
	if (err) {
		rn_free_bufs(srn);
		return err;
	}
	qpn[0] = srn->qp->qp_num >> 16;
	qpn[1] = srn->qp->qp_num >> 8;
	qpn[2] = srn->qp->qp_num;
	dev_addr_mod(ndev, 1, qpn, sizeof(qpn));
	rn_attach_parent(srn);
	WRITE_ONCE(to_sqp(srn->qp)->rn, srn);
	return 0;
}

static void sib_rn_ndo_uninit(struct net_device *ndev)
{
	struct sib_rn *srn = sib_rn(ndev);
	struct sib_rn *parent = srn->parent;
	unsigned int i;

	ASSERT_RTNL();
	WRITE_ONCE(to_sqp(srn->qp)->rn, NULL);
	/* waits for the deliveries into the QP that are under way */
	rn_destroy_qp(srn);
	if (parent == srn) {
		/* IPoIB unregisters a parent's children before the parent */
		WARN_ON(srn->nchildren);
		for (i = 0; i < SIB_RN_MAX_CH; i++)
			netif_napi_del(&srn->ch[i].napi);
		sib_rn_purge(srn, NULL);
		srn->port->rn_parent = NULL;
	} else {
		sib_rn_purge(parent, ndev);
		for (i = 0; i < SIB_RN_MAX_CH; i++)
			if (parent->ch[i].enabled)
				napi_synchronize(&parent->ch[i].napi);
		parent->nchildren--;
	}
	rn_free_bufs(srn);
}

static void rn_chan_start(struct sib_rn_chan *ch)
{
	ASSERT_RTNL();
	if (ch->enabled)
		return;
	napi_enable(&ch->napi);
	ch->enabled = true;
	spin_lock_irq(&ch->q.lock);
	ch->up = true;
	spin_unlock_irq(&ch->q.lock);
}

static void rn_chan_stop(struct sib_rn_chan *ch)
{
	ASSERT_RTNL();
	spin_lock_irq(&ch->q.lock);
	ch->up = false;
	spin_unlock_irq(&ch->q.lock);
	if (ch->enabled)
		napi_disable(&ch->napi);
	ch->enabled = false;
	skb_queue_purge(&ch->q);
}

static int rn_qp_modify(struct sib_rn *srn, enum ib_qp_state state)
{
	struct ib_qp_attr attr = { .qp_state = state };
	int mask = IB_QP_STATE;

	if (state == IB_QPS_INIT) {
		attr.pkey_index = READ_ONCE(srn->pkey_index);
		attr.port_num = srn->port->num;
		attr.qkey = READ_ONCE(srn->qkey);
		mask |= IB_QP_PKEY_INDEX | IB_QP_PORT | IB_QP_QKEY;
	} else if (state == IB_QPS_RTS) {
		mask |= IB_QP_SQ_PSN;
	}
	return ib_modify_qp(srn->qp, &attr, mask);
}

static int sib_rn_ndo_open(struct net_device *ndev)
{
	struct sib_rn *srn = sib_rn(ndev);
	unsigned int i;
	int err;

	err = rn_qp_modify(srn, IB_QPS_INIT);
	if (!err)
		err = rn_qp_modify(srn, IB_QPS_RTR);
	if (!err)
		err = rn_qp_modify(srn, IB_QPS_RTS);
	if (err) {
		rn_qp_modify(srn, IB_QPS_RESET);
		return err;
	}
	if (srn->parent == srn)
		for (i = 0; i < srn->nch; i++)
			rn_chan_start(&srn->ch[i]);
	WRITE_ONCE(srn->open, true);
	netif_tx_start_all_queues(ndev);
	return 0;
}

static int sib_rn_ndo_stop(struct net_device *ndev)
{
	struct sib_rn *srn = sib_rn(ndev);
	unsigned int i;

	netif_tx_disable(ndev);
	WRITE_ONCE(srn->open, false);
	rn_qp_modify(srn, IB_QPS_RESET);
	if (srn->parent == srn)
		for (i = 0; i < SIB_RN_MAX_CH; i++)
			rn_chan_stop(&srn->ch[i]);
	return 0;
}

/* IPoIB checked the MTU against the port's and the multicast group's. */
static int sib_rn_change_mtu(struct net_device *ndev, int new_mtu)
{
	WRITE_ONCE(ndev->mtu, new_mtu);
	return 0;
}

/**
 * sib_rn_stats_read - a consistent read of one channel's counters
 * @s: the counters
 * @packets: packets out
 * @bytes: bytes out
 */
void sib_rn_stats_read(struct sib_rn_stats *s, u64 *packets, u64 *bytes)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		*packets = u64_stats_read(&s->packets);
		*bytes = u64_stats_read(&s->bytes);
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

static void sib_rn_get_stats64(struct net_device *ndev,
			       struct rtnl_link_stats64 *st)
{
	struct sib_rn *srn = sib_rn(ndev);
	u64 packets, bytes;
	unsigned int i;

	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		sib_rn_stats_read(&srn->rx[i], &packets, &bytes);
		st->rx_packets += packets;
		st->rx_bytes += bytes;
		sib_rn_stats_read(&srn->tx[i], &packets, &bytes);
		st->tx_packets += packets;
		st->tx_bytes += bytes;
	}
	st->rx_dropped = atomic64_read(&srn->rx_dropped);
	st->tx_dropped = atomic64_read(&srn->tx_dropped);
}

/**
 * sib_rn_set_channels - change the number of channels of a parent
 * @srn: the parent, without children
 * @nch: 1..SIB_RN_MAX_CH, within the net_device's queues
 *
 * Under traffic: new channels start before the hash may pick them, and
 * channels that go stop taking packets before their NAPI stops.
 * Context: RTNL.
 * Return: 0 or -EINVAL.
 */
int sib_rn_set_channels(struct sib_rn *srn, unsigned int nch)
{
	struct net_device *ndev = srn->ndev;
	unsigned int old = srn->nch, i;
	int err;

	ASSERT_RTNL();
	if (srn->parent != srn || srn->nchildren)
		return -EINVAL;
	if (!nch || nch > min3(SIB_RN_MAX_CH, ndev->num_tx_queues,
			       ndev->num_rx_queues))
		return -EINVAL;
	for (i = old; i < nch && srn->open; i++)
		rn_chan_start(&srn->ch[i]);
	WRITE_ONCE(srn->nch, nch);
	for (i = nch; i < old; i++)
		rn_chan_stop(&srn->ch[i]);
	err = netif_set_real_num_tx_queues(ndev, nch);
	if (!err)
		err = netif_set_real_num_rx_queues(ndev, nch);
	return err;
}

static const struct net_device_ops sib_rn_netdev_ops = {
	.ndo_init = sib_rn_ndo_init,
	.ndo_uninit = sib_rn_ndo_uninit,
	.ndo_open = sib_rn_ndo_open,
	.ndo_stop = sib_rn_ndo_stop,
	.ndo_change_mtu = sib_rn_change_mtu,
	.ndo_get_stats64 = sib_rn_get_stats64,
};

/* IPoIB's broadcast join sets the group's Q_Key on the underlay QP. */
static int sib_rn_attach_mcast(struct net_device *ndev, struct ib_device *hca,
			       union ib_gid *gid, u16 mlid, int set_qkey,
			       u32 qkey)
{
	struct sib_rn *srn = sib_rn(ndev);
	struct sib_qp *qp = to_sqp(srn->qp);

	if (set_qkey) {
		WRITE_ONCE(srn->qkey, qkey);
		spin_lock_irq(&qp->lock);
		qp->qkey = qkey;
		spin_unlock_irq(&qp->lock);
	}
	return sib_attach_mcast(srn->qp, gid, mlid);
}

static int sib_rn_detach_mcast(struct net_device *ndev, struct ib_device *hca,
			       union ib_gid *gid, u16 mlid)
{
	return sib_detach_mcast(sib_rn(ndev)->qp, gid, mlid);
}

/* The P_Key index IPoIB found for its P_Key; used from the next open. */
static void sib_rn_set_id(struct net_device *ndev, int id)
{
	WRITE_ONCE(sib_rn(ndev)->pkey_index, id);
}

/* Sends complete synchronously: a stalled queue is not softib's doing. */
static void sib_rn_tx_timeout(struct net_device *ndev, unsigned int txqueue)
{
	netdev_warn(ndev, "softib: TX queue %u timed out\n", txqueue);
}

static int sib_rn_initialize(struct ib_device *ibdev, u32 port_num,
			     struct net_device *ndev, void *param)
{
	struct sib_rn *srn = sib_rn(ndev);
	unsigned int i;

	srn->rn.hca = ibdev;
	srn->rn.port_num = port_num;
	srn->rn.send = sib_rn_send;
	srn->rn.attach_mcast = sib_rn_attach_mcast;
	srn->rn.detach_mcast = sib_rn_detach_mcast;
	srn->rn.set_id = sib_rn_set_id;
	srn->rn.tx_timeout = sib_rn_tx_timeout;
	srn->ndev = ndev;
	srn->sdev = to_sdev(ibdev);
	srn->port = sib_port_get(srn->sdev, port_num);
	srn->qkey = SIB_RN_QKEY;
	srn->rx_ring = SIB_RN_RING_DEF;
	srn->tx_ring = SIB_RN_RING_DEF;
	srn->nch = min3(SIB_RN_MAX_CH, ndev->num_tx_queues,
			ndev->num_rx_queues);
	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		spin_lock_init(&srn->txch[i].txlock);
		skb_queue_head_init(&srn->ch[i].q);
		srn->ch[i].ix = i;
		u64_stats_init(&srn->rx[i].syncp);
		u64_stats_init(&srn->tx[i].syncp);
	}
	ndev->netdev_ops = &sib_rn_netdev_ops;
	ndev->ethtool_ops = &sib_rn_ethtool_ops;
	ndev->hw_features |= SIB_RN_FEATURES;
	ndev->features |= SIB_RN_FEATURES;
	netif_set_real_num_tx_queues(ndev, srn->nch);
	return netif_set_real_num_rx_queues(ndev, srn->nch);
}

/*
 * txqs = rxqs = SIB_RN_MAX_CH: a fixed count, not the CPUs', so that the
 * channels (RSS, TSS) are exercised on a two-CPU guest as well.
 */
static int sib_rn_get_params(struct ib_device *ibdev, u32 port_num,
			     enum rdma_netdev_t type,
			     struct rdma_netdev_alloc_params *params)
{
	struct sib_dev *sdev = to_sdev(ibdev);

	if (type != RDMA_NETDEV_IPOIB || !sdev->enhanced)
		return -EOPNOTSUPP;
	if (!sib_port_get(sdev, port_num))
		return -EINVAL;
	memset(params, 0, sizeof(*params));
	params->sizeof_priv = sizeof(struct sib_rn);
	params->txqs = SIB_RN_MAX_CH;
	params->rxqs = SIB_RN_MAX_CH;
	params->initialize_rdma_netdev = sib_rn_initialize;
	return 0;
}

const struct ib_device_ops sib_rn_dev_ops = {
	.rdma_netdev_get_params = sib_rn_get_params,
};
