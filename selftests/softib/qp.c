// SPDX-License-Identifier: GPL-2.0
/*
 * softib queue pairs: creation, the state machine, flushes and the
 * reference-counted lookup used by the fabric.
 */
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "softib.h"

#define SIB_QP_CREATE_FLAGS (IB_QP_CREATE_BLOCK_MULTICAST_LOOPBACK | \
			     IB_QP_CREATE_IPOIB_UD_LSO)

static void sib_qp_event_worker(struct work_struct *work)
{
	struct sib_qp *qp = container_of(work, struct sib_qp, event_work);
	struct ib_event ev = {
		.device = qp->ibqp.device,
		.event = IB_EVENT_QP_LAST_WQE_REACHED,
		.element.qp = &qp->ibqp,
	};

	if (qp->ibqp.event_handler)
		qp->ibqp.event_handler(&ev, qp->ibqp.qp_context);
}

static int check_caps(struct sib_dev *sdev, struct ib_qp_init_attr *init)
{
	struct ib_qp_cap *cap = &init->cap;
	bool mad = init->qp_type == IB_QPT_GSI || init->qp_type == IB_QPT_SMI;
	/* ib_mad needs 2 SGEs each way whatever max_send/recv_sge say */
	u32 max_sge = mad ? SIB_MAX_SGE : sib_params.max_send_sge;
	u32 max_rsge = mad ? SIB_MAX_SGE : sdev->max_recv_sge;

	if (init->create_flags & ~SIB_QP_CREATE_FLAGS)
		return -EOPNOTSUPP;
	if ((init->create_flags & IB_QP_CREATE_IPOIB_UD_LSO) &&
	    (!sib_params.ud_tso || init->qp_type != IB_QPT_UD))
		return -EOPNOTSUPP;
	if (cap->max_send_wr > SIB_MAX_WR || cap->max_recv_wr > SIB_MAX_WR ||
	    cap->max_send_sge > max_sge ||
	    cap->max_recv_sge > max_rsge || cap->max_inline_data)
		return -EINVAL;
	return 0;
}

/* The send queue and the buffers its owner works in. */
static void free_send_bufs(struct sib_qp *qp)
{
	kvfree(qp->bounce);
	kfree(qp->lso_seg);
	kfree(qp->cur);
	sib_ring_free(&qp->sq);
}

static int alloc_rings(struct sib_qp *qp, struct ib_qp_init_attr *init)
{
	struct ib_qp_cap *cap = &init->cap;
	u32 ssge = max_t(u32, cap->max_send_sge, 1);
	u32 rsge = max_t(u32, cap->max_recv_sge, 1);
	int err;

	err = sib_ring_init(&qp->sq, cap->max_send_wr,
			    struct_size_t(struct sib_swqe, sg, ssge));
	if (err)
		return err;
	qp->cur = kmalloc(qp->sq.stride, GFP_KERNEL);
	if (qp->lso)
		qp->lso_seg = kmalloc(ib_mtu_enum_to_int(sib_params.mtu),
				      GFP_KERNEL);
	if (!qp->cur || (qp->lso && !qp->lso_seg))
		goto err_sq;
	if (init->srq)
		return 0;
	err = sib_ring_init(&qp->rq, cap->max_recv_wr,
			    struct_size_t(struct sib_rwqe, sg, rsge));
	if (!err)
		return 0;
err_sq:
	free_send_bufs(qp);
	return err ?: -ENOMEM;
}

static int publish_qp(struct sib_qp *qp, struct ib_qp_init_attr *init)
{
	struct sib_dev *sdev = to_sdev(qp->ibqp.device);
	u32 qpn;
	int err;

	if (init->qp_type == IB_QPT_GSI || init->qp_type == IB_QPT_SMI) {
		unsigned int n = init->qp_type == IB_QPT_GSI ? 1 : 0;
		struct sib_port *port = sib_port_get(sdev, init->port_num);

		if (!port)
			return -EINVAL;
		if (rcu_access_pointer(port->special[n]))
			return -EBUSY;
		qp->port = port;
		qp->ibqp.qp_num = n;
		rcu_assign_pointer(port->special[n], qp);
		return 0;
	}
	err = xa_alloc_cyclic_irq(&sdev->qps, &qpn, qp,
				  XA_LIMIT(16, SIB_QPN_MAX), &sdev->next_qpn,
				  GFP_KERNEL);
	if (err < 0)
		return err;
	qp->ibqp.qp_num = qpn;
	return 0;
}

int sib_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		  struct ib_udata *udata)
{
	struct sib_qp *qp = to_sqp(ibqp);
	int err;

	if (udata)
		return -EOPNOTSUPP;
	switch (init->qp_type) {
	case IB_QPT_UD:
	case IB_QPT_RC:
	case IB_QPT_GSI:
	case IB_QPT_SMI:
		break;
	default:
		return -EOPNOTSUPP;
	}
	err = check_caps(to_sdev(ibqp->device), init);
	if (err)
		return err;
	spin_lock_init(&qp->lock);
	refcount_set(&qp->ref, 1);
	init_completion(&qp->released);
	INIT_DELAYED_WORK(&qp->send_work, sib_send_worker);
	INIT_WORK(&qp->event_work, sib_qp_event_worker);
	qp->state = IB_QPS_RESET;
	qp->sig_all = init->sq_sig_type == IB_SIGNAL_ALL_WR;
	qp->block_mc_loop = init->create_flags &
			    IB_QP_CREATE_BLOCK_MULTICAST_LOOPBACK;
	qp->lso = init->create_flags & IB_QP_CREATE_IPOIB_UD_LSO;
	qp->scq = to_scq(init->send_cq);
	qp->rcq = to_scq(init->recv_cq);
	qp->srq = to_ssrq(init->srq);
	qp->path_mtu = sib_params.mtu;
	err = alloc_rings(qp, init);
	if (err)
		return err;
	init->cap.max_inline_data = 0;
	err = publish_qp(qp, init);
	if (err)
		goto err_rings;
	return 0;

err_rings:
	sib_ring_free(&qp->rq);
	free_send_bufs(qp);
	return err;
}

static void unpublish_qp(struct sib_qp *qp)
{
	struct sib_dev *sdev = to_sdev(qp->ibqp.device);

	if (qp->ibqp.qp_type == IB_QPT_GSI || qp->ibqp.qp_type == IB_QPT_SMI)
		RCU_INIT_POINTER(qp->port->special[qp->ibqp.qp_num], NULL);
	else
		xa_erase_irq(&sdev->qps, qp->ibqp.qp_num);
}

int sib_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct sib_qp *qp = to_sqp(ibqp);

	unpublish_qp(qp);
	sib_mcast_detach_all(qp);
	spin_lock_irq(&qp->lock);
	qp->state = IB_QPS_RESET;
	qp->sq_gen++;
	spin_unlock_irq(&qp->lock);
	synchronize_rcu();
	/* deliveries into this QP hold references; wait for them */
	sib_qp_put(qp);
	wait_for_completion(&qp->released);
	cancel_delayed_work_sync(&qp->send_work);
	cancel_work_sync(&qp->event_work);
	sib_ring_free(&qp->rq);
	free_send_bufs(qp);
	return 0;
}

/**
 * sib_qp_lookup - find the QP a message for (@port, @qpn) goes to
 * @port: receiving port
 * @qpn: destination QP number
 *
 * Return: the QP with a reference (drop it with sib_qp_put()) or NULL.
 */
struct sib_qp *sib_qp_lookup(struct sib_port *port, u32 qpn)
{
	struct sib_qp *qp;

	rcu_read_lock();
	if (qpn <= 1)
		qp = rcu_dereference(port->special[qpn]);
	else
		qp = xa_load(&port->sdev->qps, qpn);
	if (qp && (READ_ONCE(qp->port) != port ||
		   !refcount_inc_not_zero(&qp->ref)))
		qp = NULL;
	rcu_read_unlock();
	return qp;
}

void sib_qp_put(struct sib_qp *qp)
{
	if (refcount_dec_and_test(&qp->ref))
		complete(&qp->released);
}

u16 sib_qp_lid(struct sib_qp *qp)
{
	return READ_ONCE(qp->port->lid);
}

void sib_qp_kick(struct sib_qp *qp, unsigned long delay)
{
	queue_delayed_work(sib_fab->wq, &qp->send_work, delay);
}

/**
 * sib_port_wedge - wedge or release the send queues of a port's QPs
 * @port: the port
 * @on: true: every data QP (not QP0/QP1) on @port stops processing its send
 *	queue, as a hung HCA queue would, until the QP is moved to ERR or
 *	RESET; false: release them all
 *
 * Models the fault a driver's transmit-timeout handler exists for: posted
 * sends neither go out nor complete, and only a QP reset clears it.
 */
void sib_port_wedge(struct sib_port *port, bool on)
{
	struct sib_qp *qp;
	unsigned long qpn;

	xa_for_each(&port->sdev->qps, qpn, qp) {
		qp = sib_qp_lookup(port, qpn);
		if (!qp)
			continue;
		spin_lock_irq(&qp->lock);
		WRITE_ONCE(qp->wedged, on);
		spin_unlock_irq(&qp->lock);
		if (!on)
			sib_qp_kick(qp, 0);
		sib_qp_put(qp);
	}
}

/* The number of @port's QPs whose send queue is wedged now. */
unsigned int sib_port_wedged(struct sib_port *port)
{
	struct sib_qp *qp;
	unsigned long qpn;
	unsigned int n = 0;

	rcu_read_lock();
	xa_for_each(&port->sdev->qps, qpn, qp)
		if (READ_ONCE(qp->port) == port && READ_ONCE(qp->wedged))
			n++;
	rcu_read_unlock();
	return n;
}

/**
 * sib_port_qps_dump - one line per data QP of a port, for debugfs qps
 * @port: the port
 * @m: the seq_file
 *
 * "qp <qpn> type ud|rc state reset|init|rtr|rts|sqd|sqe|err"
 */
void sib_port_qps_dump(struct sib_port *port, struct seq_file *m)
{
	static const char * const states[] = {
		[IB_QPS_RESET] = "reset", [IB_QPS_INIT] = "init",
		[IB_QPS_RTR] = "rtr", [IB_QPS_RTS] = "rts",
		[IB_QPS_SQD] = "sqd", [IB_QPS_SQE] = "sqe",
		[IB_QPS_ERR] = "err",
	};
	enum ib_qp_state state;
	struct sib_qp *qp;
	unsigned long qpn;

	/* a QP found here stays allocated: destroy waits for RCU readers */
	rcu_read_lock();
	xa_for_each(&port->sdev->qps, qpn, qp) {
		if (READ_ONCE(qp->port) != port)
			continue;
		spin_lock_irq(&qp->lock);
		state = qp->state;
		spin_unlock_irq(&qp->lock);
		seq_printf(m, "qp %lu type %s state %s\n", qpn,
			   qp->ibqp.qp_type == IB_QPT_RC ? "rc" : "ud",
			   state < ARRAY_SIZE(states) ? states[state] : "?");
	}
	rcu_read_unlock();
}

/* Complete every posted receive with a flush error. */
void sib_qp_flush_rq(struct sib_qp *qp)
{
	struct ib_wc wc = {
		.status = IB_WC_WR_FLUSH_ERR,
		.opcode = IB_WC_RECV,
		.qp = &qp->ibqp,
	};
	struct sib_rwqe *wqe;

	lockdep_assert_held(&qp->lock);
	if (qp->srq)
		return;
	while (qp->rq.tail != qp->rq.head) {
		wqe = sib_ring_slot(&qp->rq, qp->rq.tail);
		wc.wr_id = wqe->wr_id;
		qp->rq.tail++;
		sib_cq_push(qp->rcq, &wc, false);
	}
}

static void enter_err(struct sib_qp *qp)
{
	lockdep_assert_held(&qp->lock);
	qp->state = IB_QPS_ERR;
	WRITE_ONCE(qp->wedged, false);
	sib_qp_flush_rq(qp);
	if (qp->srq)
		queue_work(sib_fab->wq, &qp->event_work);
	/* the send worker owns the send queue and flushes it */
	mod_delayed_work(sib_fab->wq, &qp->send_work, 0);
}

/* Move a QP to ERR from the data path (fatal send error). */
void sib_qp_to_err(struct sib_qp *qp)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->lock, flags);
	if (qp->state != IB_QPS_ERR && qp->state != IB_QPS_RESET)
		enter_err(qp);
	spin_unlock_irqrestore(&qp->lock, flags);
}

static void enter_reset(struct sib_qp *qp)
{
	lockdep_assert_held(&qp->lock);
	qp->state = IB_QPS_RESET;
	WRITE_ONCE(qp->wedged, false);
	qp->sq_gen++;
	qp->sq.head = 0;
	qp->sq.tail = 0;
	qp->rq.head = 0;
	qp->rq.tail = 0;
	qp->tries = 0;
}

static int check_attrs(struct sib_qp *qp, struct ib_qp_attr *attr, int mask)
{
	struct sib_dev *sdev = to_sdev(qp->ibqp.device);

	if ((mask & IB_QP_PORT) && !sib_port_get(sdev, attr->port_num))
		return -EINVAL;
	if ((mask & IB_QP_PORT) && qp->port &&
	    (qp->ibqp.qp_type == IB_QPT_GSI ||
	     qp->ibqp.qp_type == IB_QPT_SMI) &&
	    attr->port_num != qp->port->num)
		return -EINVAL;
	if ((mask & IB_QP_PKEY_INDEX) && attr->pkey_index >= SIB_PKEY_TBL_LEN)
		return -EINVAL;
	if ((mask & IB_QP_PATH_MTU) &&
	    (attr->path_mtu < IB_MTU_256 || attr->path_mtu > IB_MTU_4096))
		return -EINVAL;
	if ((mask & IB_QP_AV) && attr->ah_attr.type != RDMA_AH_ATTR_TYPE_IB)
		return -EINVAL;
	return 0;
}

static void apply_attrs(struct sib_qp *qp, struct ib_qp_attr *attr, int mask)
{
	struct sib_dev *sdev = to_sdev(qp->ibqp.device);

	lockdep_assert_held(&qp->lock);
	if (mask & IB_QP_PORT)
		WRITE_ONCE(qp->port, sib_port_get(sdev, attr->port_num));
	if (mask & IB_QP_QKEY)
		qp->qkey = attr->qkey;
	if (mask & IB_QP_PKEY_INDEX)
		qp->pkey_index = attr->pkey_index;
	if (mask & IB_QP_AV) {
		qp->dlid = rdma_ah_get_dlid(&attr->ah_attr);
		qp->sl = rdma_ah_get_sl(&attr->ah_attr);
	}
	if (mask & IB_QP_PATH_MTU)
		qp->path_mtu = attr->path_mtu;
	if (mask & IB_QP_DEST_QPN)
		qp->dest_qpn = attr->dest_qp_num;
	if (mask & IB_QP_TIMEOUT)
		qp->timeout = attr->timeout;
	if (mask & IB_QP_RETRY_CNT)
		qp->retry_cnt = attr->retry_cnt;
	if (mask & IB_QP_RNR_RETRY)
		qp->rnr_retry = attr->rnr_retry;
	if (mask & IB_QP_MIN_RNR_TIMER)
		qp->min_rnr_timer = attr->min_rnr_timer;
	if (mask & IB_QP_SQ_PSN)
		qp->sq_psn = attr->sq_psn;
	if (mask & IB_QP_RQ_PSN)
		qp->rq_psn = attr->rq_psn;
	if (mask & IB_QP_ACCESS_FLAGS)
		qp->access = attr->qp_access_flags;
}

static void change_state(struct sib_qp *qp, enum ib_qp_state new)
{
	lockdep_assert_held(&qp->lock);
	if (new == qp->state)
		return;
	switch (new) {
	case IB_QPS_RESET:
		enter_reset(qp);
		break;
	case IB_QPS_ERR:
		enter_err(qp);
		break;
	default:
		qp->state = new;
		if (new == IB_QPS_RTS)
			sib_qp_kick(qp, 0);
		break;
	}
}

int sib_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata)
{
	struct sib_qp *qp = to_sqp(ibqp);
	enum ib_qp_state cur, new;
	unsigned long flags;
	int err;

	if (udata && udata->inlen)
		return -EOPNOTSUPP;
	err = check_attrs(qp, attr, mask);
	if (err)
		return err;
	spin_lock_irqsave(&qp->lock, flags);
	cur = (mask & IB_QP_CUR_STATE) ? attr->cur_qp_state : qp->state;
	new = (mask & IB_QP_STATE) ? attr->qp_state : cur;
	if (cur != qp->state ||
	    !ib_modify_qp_is_ok(cur, new, ibqp->qp_type, mask)) {
		err = -EINVAL;
		goto out;
	}
	apply_attrs(qp, attr, mask);
	change_state(qp, new);
out:
	spin_unlock_irqrestore(&qp->lock, flags);
	return err;
}

int sib_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init)
{
	struct sib_qp *qp = to_sqp(ibqp);
	unsigned long flags;

	memset(attr, 0, sizeof(*attr));
	memset(init, 0, sizeof(*init));
	spin_lock_irqsave(&qp->lock, flags);
	attr->qp_state = qp->state;
	attr->cur_qp_state = qp->state;
	attr->path_mtu = qp->path_mtu;
	attr->qkey = qp->qkey;
	attr->rq_psn = qp->rq_psn;
	attr->sq_psn = qp->sq_psn;
	attr->dest_qp_num = qp->dest_qpn;
	attr->qp_access_flags = qp->access;
	attr->pkey_index = qp->pkey_index;
	attr->port_num = qp->port ? qp->port->num : 0;
	attr->timeout = qp->timeout;
	attr->retry_cnt = qp->retry_cnt;
	attr->rnr_retry = qp->rnr_retry;
	attr->min_rnr_timer = qp->min_rnr_timer;
	attr->ah_attr.type = RDMA_AH_ATTR_TYPE_IB;
	rdma_ah_set_dlid(&attr->ah_attr, qp->dlid);
	rdma_ah_set_sl(&attr->ah_attr, qp->sl);
	rdma_ah_set_port_num(&attr->ah_attr, attr->port_num);
	attr->cap.max_send_wr = qp->sq.max;
	attr->cap.max_recv_wr = qp->srq ? 0 : qp->rq.max;
	attr->cap.max_send_sge = (qp->sq.stride - sizeof(struct sib_swqe)) /
				 sizeof(struct ib_sge);
	attr->cap.max_recv_sge = qp->srq ? 0 :
		(qp->rq.stride - sizeof(struct sib_rwqe)) /
		sizeof(struct ib_sge);
	spin_unlock_irqrestore(&qp->lock, flags);
	init->qp_type = ibqp->qp_type;
	init->send_cq = ibqp->send_cq;
	init->recv_cq = ibqp->recv_cq;
	init->srq = ibqp->srq;
	init->cap = attr->cap;
	init->sq_sig_type = qp->sig_all ? IB_SIGNAL_ALL_WR : IB_SIGNAL_REQ_WR;
	init->port_num = attr->port_num;
	return 0;
}
