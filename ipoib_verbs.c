// SPDX-License-Identifier: GPL-2.0
/*
 * Verbs objects of one IPoIB interface: PD, send and receive CQs, the UD
 * QP, the send-only QPs of the other send queues, and their state
 * transitions.  The PD, the receive CQ, the UD QP and its send CQ live as
 * long as the net_device (ethtool -G replaces them); the other send
 * queues' QPs and CQs as long as ethtool -L keeps them.  Every QP cycles
 * RESET -> INIT -> RTR -> RTS on open and back through ERR -> RESET on
 * stop, with the same P_Key index and Q_Key.
 */
#include <linux/netdevice.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

static struct ib_cq *create_cq(struct ipib_dev *dev, ib_comp_handler handler,
			       void *ctx, unsigned int entries, int vector)
{
	struct ib_cq_init_attr attr = {
		.cqe = min_t(unsigned int, entries, dev->ca->attrs.max_cqe),
		.comp_vector = vector % dev->ca->num_comp_vectors,
	};

	return ib_create_cq(dev->ca, handler, NULL, ctx, &attr);
}

static struct ib_qp *create_ud_qp(struct ipib_dev *dev, struct ib_cq *send_cq,
				  struct ib_cq *recv_cq, unsigned int sendq,
				  unsigned int recvq)
{
	struct ib_qp_init_attr attr = {
		.send_cq = send_cq,
		.recv_cq = recv_cq,
		.cap = {
			.max_send_wr = sendq,
			.max_recv_wr = recvq,
			.max_send_sge = min_t(u32, dev->ca->attrs.max_send_sge,
					      MAX_SKB_FRAGS + 1),
			.max_recv_sge = 1,
		},
		.sq_sig_type = IB_SIGNAL_ALL_WR,
		.qp_type = IB_QPT_UD,
	};
	u64 kcaps = dev->ca->attrs.kernel_cap_flags;
	struct ib_qp *qp;

	if (kcaps & IBK_UD_TSO)
		attr.create_flags |= IB_QP_CREATE_IPOIB_UD_LSO;
	if (kcaps & IBK_BLOCK_MULTICAST_LOOPBACK)
		attr.create_flags |= IB_QP_CREATE_BLOCK_MULTICAST_LOOPBACK;

	qp = ib_create_qp(dev->pd, &attr);
	if (!IS_ERR(qp))
		dev->ud.max_send_sge = attr.cap.max_send_sge;
	return qp;
}

static void set_offloads(struct ipib_dev *dev)
{
	struct net_device *ndev = dev->ndev;
	struct ib_device_attr *attrs = &dev->ca->attrs;

	if (dev->ud.max_send_sge > 1)
		ndev->features |= NETIF_F_SG;
	if (attrs->device_cap_flags & IB_DEVICE_UD_IP_CSUM) {
		ndev->hw_features |= NETIF_F_IP_CSUM | NETIF_F_RXCSUM;
		if (attrs->kernel_cap_flags & IBK_UD_TSO)
			ndev->hw_features |= NETIF_F_TSO;
		ndev->features |= ndev->hw_features;
	}
}

static int create_cqs(struct ipib_dev *dev, unsigned int sendq,
		      unsigned int recvq)
{
	struct ib_cq *cq;

	/* connected mode shares both: its receives, its sends */
	cq = create_cq(dev, ipib_recv_comp, dev,
		       recvq + ipib_cm_recv_cqes(dev), dev->port + 1);
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	dev->ud.recv_cq = cq;

	cq = create_cq(dev, ipib_send_comp, &dev->ud.txq[0],
		       sendq + ipib_cm_send_cqes(dev), dev->port);
	if (IS_ERR(cq)) {
		ib_destroy_cq(dev->ud.recv_cq);
		return PTR_ERR(cq);
	}
	dev->ud.txq[0].cq = cq;
	return 0;
}

static void destroy_cqs(struct ipib_dev *dev)
{
	ib_destroy_cq(dev->ud.txq[0].cq);
	ib_destroy_cq(dev->ud.recv_cq);
}

/* Queue 0 sends on the UD QP that receives. */
static void set_queue0_qp(struct ipib_dev *dev, struct ib_qp *qp)
{
	dev->qp = qp;
	dev->ud.txq[0].qp = qp;
	dev->ud.send_qpns[0] = qp->qp_num;
}

/**
 * ipib_verbs_max_txq - how many send queues an interface may use
 * @dev: the interface (ndo_init)
 *
 * One per online CPU, at most IPIB_MAX_TXQ and the net_device's TX queues,
 * and no more than the device's QPs and CQs allow for one QP and one CQ
 * each beside queue 0's.  A single-CPU machine may still have two (the
 * send queues' paths stay available there, and testable: the debug test
 * guest has one CPU).  The CQs are spread over the completion vectors but
 * not limited by their number: several CQs may share a vector.
 *
 * Return: 1 or more.
 */
unsigned int ipib_verbs_max_txq(struct ipib_dev *dev)
{
	const struct ib_device_attr *a = &dev->ca->attrs;
	unsigned int n = min3(max(num_online_cpus(), 2U), IPIB_MAX_TXQ,
			      dev->ndev->num_tx_queues);

	n = min3(n, (unsigned int)max(a->max_qp, 1), (unsigned int)max(a->max_cq, 1));
	return max(n, 1U);
}

/**
 * ipib_verbs_txq_create - the QP and CQ of a send queue other than queue 0
 * @dev: the interface (RTNL; the UD path stopped)
 * @txq: the queue
 * @sendq: send WRs its QP takes
 *
 * A send-only UD QP (nothing is ever posted on its receive queue) in
 * RESET; its CQ takes its send completions and drives the queue's NAPI.
 *
 * Return: 0 or a negative errno (nothing left).
 */
int ipib_verbs_txq_create(struct ipib_dev *dev, struct ipib_txq *txq,
			  unsigned int sendq)
{
	struct ib_cq *cq;
	struct ib_qp *qp;

	cq = create_cq(dev, ipib_send_comp, txq, sendq, dev->port + txq->index);
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	qp = create_ud_qp(dev, cq, cq, sendq, 1);
	if (IS_ERR(qp)) {
		ib_destroy_cq(cq);
		return PTR_ERR(qp);
	}
	txq->cq = cq;
	txq->qp = qp;
	return 0;
}

/**
 * ipib_verbs_txq_destroy - undo ipib_verbs_txq_create()
 * @txq: the queue (its QP in RESET, its CQ polled empty)
 */
void ipib_verbs_txq_destroy(struct ipib_txq *txq)
{
	ib_destroy_qp(txq->qp);
	txq->qp = NULL;
	ib_destroy_cq(txq->cq);
	txq->cq = NULL;
}

/* Byte 0: the RC flag when connected mode can be used; 1-3: the QPN. */
static void publish_qpn(struct ipib_dev *dev)
{
	u32 qpn = dev->qp->qp_num;
	u8 bytes[4] = { dev->cm.capable ? IPIB_FLAG_RC : 0,
			qpn >> 16, qpn >> 8, qpn };

	dev_addr_mod(dev->ndev, 0, bytes, sizeof(bytes));
}

/**
 * ipib_verbs_init - create the CQs, the PD and the UD QP
 * @dev: the interface
 *
 * Also fills the QPN into the hardware address and sets the offload
 * features the QP allows.  Called before the net_device is registered.
 *
 * Return: 0 or a negative errno.
 */
int ipib_verbs_init(struct ipib_dev *dev)
{
	struct ib_qp *qp;
	int rc;

	rc = create_cqs(dev, ipib_sendq_size, ipib_recvq_size);
	if (rc)
		return rc;

	dev->pd = ib_alloc_pd(dev->ca, 0);
	if (IS_ERR(dev->pd)) {
		rc = PTR_ERR(dev->pd);
		goto err_destroy_cqs;
	}

	qp = create_ud_qp(dev, dev->ud.txq[0].cq, dev->ud.recv_cq,
			  ipib_sendq_size, ipib_recvq_size);
	if (IS_ERR(qp)) {
		rc = PTR_ERR(qp);
		goto err_dealloc_pd;
	}
	set_queue0_qp(dev, qp);
	publish_qpn(dev);
	set_offloads(dev);
	return 0;

err_dealloc_pd:
	ib_dealloc_pd(dev->pd);
err_destroy_cqs:
	destroy_cqs(dev);
	return rc;
}

void ipib_verbs_uninit(struct ipib_dev *dev)
{
	ib_destroy_qp(dev->qp);
	dev->qp = NULL;
	dev->ud.txq[0].qp = NULL;
	ib_dealloc_pd(dev->pd);
	destroy_cqs(dev);
}

/**
 * ipib_verbs_resize - replace the UD QP and both CQs by bigger or smaller ones
 * @dev: the interface (RTNL; the QP stopped, no connection left, queue 0
 *	the only send queue)
 * @sendq: send WRs the new QP takes
 * @recvq: receive WRs the new QP takes
 *
 * The new objects are created first, so a failure leaves the old ones in
 * place.  The new QP has a new number, so the hardware address changes;
 * NETDEV_CHANGEADDR is not raised, as ARP and ND would flush the
 * interface's static neighbours (the peers' entries are not ours to
 * keep, they learn the address from a gratuitous ARP/unsolicited NA).
 *
 * Return: 0 or a negative errno.
 */
int ipib_verbs_resize(struct ipib_dev *dev, unsigned int sendq,
		      unsigned int recvq)
{
	struct ib_cq *old_send = dev->ud.txq[0].cq, *old_recv = dev->ud.recv_cq;
	struct ib_qp *qp;
	int rc;

	ASSERT_RTNL();
	rc = create_cqs(dev, sendq, recvq);
	if (rc)
		goto err_restore;
	qp = create_ud_qp(dev, dev->ud.txq[0].cq, dev->ud.recv_cq, sendq,
			  recvq);
	if (IS_ERR(qp)) {
		rc = PTR_ERR(qp);
		destroy_cqs(dev);
		goto err_restore;
	}
	ib_destroy_qp(dev->qp);
	ib_destroy_cq(old_send);
	ib_destroy_cq(old_recv);
	set_queue0_qp(dev, qp);
	publish_qpn(dev);
	return 0;

err_restore:
	dev->ud.txq[0].cq = old_send;
	dev->ud.recv_cq = old_recv;
	return rc;
}

/**
 * ipib_qp_modify_state - move the QPs of every send queue to ERR or RESET
 * @dev: the interface
 * @state: IB_QPS_ERR or IB_QPS_RESET
 *
 * Return: 0 or the first verbs error (every QP is tried).
 */
int ipib_qp_modify_state(struct ipib_dev *dev, enum ib_qp_state state)
{
	struct ib_qp_attr attr = { .qp_state = state };
	unsigned int q;
	int rc = 0, err;

	for (q = 0; q < dev->ud.num_txq; q++) {
		err = ib_modify_qp(dev->ud.txq[q].qp, &attr, IB_QP_STATE);
		rc = rc ?: err;
	}
	return rc;
}

static int qp_to_init(struct ipib_dev *dev, struct ib_qp *qp)
{
	struct ib_qp_attr attr = {
		.qp_state = IB_QPS_INIT,
		.qkey = dev->qkey,
		.port_num = dev->port,
		.pkey_index = dev->pkey_index,
	};

	return ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_QKEY |
			    IB_QP_PORT | IB_QP_PKEY_INDEX);
}

static int qp_init_to_rts(struct ipib_dev *dev, struct ib_qp *qp)
{
	struct ib_qp_attr attr = {};
	int rc;

	rc = qp_to_init(dev, qp);
	if (rc)
		return rc;
	attr.qp_state = IB_QPS_RTR;
	rc = ib_modify_qp(qp, &attr, IB_QP_STATE);
	if (rc)
		return rc;
	attr.qp_state = IB_QPS_RTS;
	attr.sq_psn = 0;
	return ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_SQ_PSN);
}

/**
 * ipib_qp_to_rts - bring the QPs of every send queue from RESET up to RTS
 * @dev: the interface
 *
 * Receive buffers may be posted from INIT on, so the caller posts them
 * after this returns: INIT already accepts receives and a UD QP in RTS
 * simply starts using them.
 *
 * Return: 0 or the verbs error (the QPs are left in RESET then).
 */
int ipib_qp_to_rts(struct ipib_dev *dev)
{
	unsigned int q;
	int rc = 0;

	for (q = 0; q < dev->ud.num_txq && !rc; q++)
		rc = qp_init_to_rts(dev, dev->ud.txq[q].qp);
	if (rc)
		ipib_qp_modify_state(dev, IB_QPS_RESET);
	return rc;
}

/**
 * ipib_set_qkey - store the Q_Key and program it into a running QP
 * @dev: the interface
 * @qkey: the broadcast group's Q_Key
 *
 * Every later UD send uses it as remote Q_Key; every send queue's QP gets
 * it.  QPs that are not running get it at their next open.  The caller
 * (the join worker) runs between ipib_dev_up() and ipib_dev_down(), so the
 * send queues cannot change under it.
 *
 * Return: 0 or the first verbs error.
 */
int ipib_set_qkey(struct ipib_dev *dev, u32 qkey)
{
	struct ib_qp_attr attr = { .qkey = qkey };
	unsigned int q;
	int rc = 0, err;

	WRITE_ONCE(dev->qkey, qkey);
	/* the vendor gets it with the broadcast group (ipib_rn_attach()) */
	if (ipib_is_vendor(dev) || !READ_ONCE(dev->qp_ready))
		return 0;
	for (q = 0; q < dev->ud.num_txq; q++) {
		err = ib_modify_qp(dev->ud.txq[q].qp, &attr, IB_QP_QKEY);
		rc = rc ?: err;
	}
	return rc;
}
