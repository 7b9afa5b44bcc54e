// SPDX-License-Identifier: GPL-2.0
/*
 * softib work requests: posting, and the execution of send WQEs into
 * fabric messages and completions.  A data QP's poster executes what it
 * posted right away when nobody else is (inline, as an HCA's doorbell
 * would start it); the per-QP send worker takes over what cannot be done
 * in the poster's context.  See enum sib_sq_owner.
 */
#include <linux/slab.h>
#include <rdma/ib_mad.h>

#include "softib.h"

#define SIB_SEND_BUDGET		64
#define SIB_RNR_DELAY_US	500
#define SIB_MAX_TIMEOUT_MS	500

static u32 sq_max_sge(const struct sib_qp *qp)
{
	return (qp->sq.stride - sizeof(struct sib_swqe)) / sizeof(struct ib_sge);
}

static u32 rq_max_sge(const struct sib_qp *qp)
{
	return (qp->rq.stride - sizeof(struct sib_rwqe)) / sizeof(struct ib_sge);
}

static bool opcode_ok(const struct sib_qp *qp, enum ib_wr_opcode op)
{
	switch (qp->ibqp.qp_type) {
	case IB_QPT_UD:
		return op == IB_WR_SEND || op == IB_WR_SEND_WITH_IMM ||
		       (op == IB_WR_LSO && qp->lso);
	case IB_QPT_GSI:
	case IB_QPT_SMI:
		return op == IB_WR_SEND || op == IB_WR_SEND_WITH_IMM;
	default:
		/* RC: anything is queued; unsupported ones fail on execution */
		return true;
	}
}

static void fill_swqe(struct sib_qp *qp, struct sib_swqe *wqe,
		      const struct ib_send_wr *wr)
{
	wqe->wr_id = wr->wr_id;
	wqe->opcode = wr->opcode;
	wqe->send_flags = wr->send_flags;
	wqe->imm = wr->ex.imm_data;
	wqe->num_sge = wr->num_sge;
	memcpy(wqe->sg, wr->sg_list, wr->num_sge * sizeof(*wr->sg_list));
	if (qp->ibqp.qp_type == IB_QPT_RC)
		return;
	wqe->av = to_sah(ud_wr(wr)->ah)->attr;
	wqe->remote_qpn = ud_wr(wr)->remote_qpn;
	wqe->remote_qkey = ud_wr(wr)->remote_qkey;
	wqe->pkey_index = ud_wr(wr)->pkey_index;
	if (wr->opcode == IB_WR_LSO) {
		wqe->lso_hdr = ud_wr(wr)->header;
		wqe->lso_hlen = ud_wr(wr)->hlen;
		wqe->lso_mss = ud_wr(wr)->mss;
	}
}

static bool sq_claim_inline(struct sib_qp *qp, bool irqs_off);
static void sq_run(struct sib_qp *qp, bool inl);

int sib_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad)
{
	struct sib_qp *qp = to_sqp(ibqp);
	unsigned long flags;
	bool run = false;
	int err = 0;

	spin_lock_irqsave(&qp->lock, flags);
	if (unlikely(qp->state < IB_QPS_RTS)) {
		err = -EINVAL;
		*bad = wr;
		goto out;
	}
	for (; wr; wr = wr->next) {
		if (unlikely(wr->num_sge > sq_max_sge(qp) ||
			     !opcode_ok(qp, wr->opcode))) {
			err = -EINVAL;
			*bad = wr;
			break;
		}
		if (unlikely(sib_ring_count(&qp->sq) >= qp->sq.max)) {
			err = -ENOMEM;
			*bad = wr;
			break;
		}
		fill_swqe(qp, sib_ring_slot(&qp->sq, qp->sq.head), wr);
		qp->sq.head++;
	}
	run = sq_claim_inline(qp, irqs_disabled_flags(flags));
out:
	spin_unlock_irqrestore(&qp->lock, flags);
	if (run)
		sq_run(qp, true);
	return err;
}

int sib_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad)
{
	struct sib_qp *qp = to_sqp(ibqp);
	struct sib_rwqe *wqe;
	unsigned long flags;
	int err = 0;

	if (unlikely(qp->srq)) {
		*bad = wr;
		return -EINVAL;
	}
	spin_lock_irqsave(&qp->lock, flags);
	if (unlikely(qp->state == IB_QPS_RESET)) {
		err = -EINVAL;
		*bad = wr;
		goto out;
	}
	for (; wr; wr = wr->next) {
		if (unlikely(wr->num_sge > rq_max_sge(qp) ||
			     sib_ring_count(&qp->rq) >= qp->rq.max)) {
			err = wr->num_sge > rq_max_sge(qp) ? -EINVAL : -ENOMEM;
			*bad = wr;
			break;
		}
		wqe = sib_ring_slot(&qp->rq, qp->rq.head);
		wqe->wr_id = wr->wr_id;
		wqe->num_sge = wr->num_sge;
		memcpy(wqe->sg, wr->sg_list, wr->num_sge * sizeof(*wr->sg_list));
		qp->rq.head++;
	}
	if (qp->state == IB_QPS_ERR)
		sib_qp_flush_rq(qp);
out:
	spin_unlock_irqrestore(&qp->lock, flags);
	return err;
}

/* Take the oldest posted receive of a QP (its own RQ or its SRQ). */
bool sib_qp_pop_recv(struct sib_qp *qp, struct sib_rwqe *out)
{
	struct sib_rwqe *wqe;
	unsigned long flags;
	bool ok = false;

	if (qp->srq)
		return sib_srq_pop(qp->srq, out);
	spin_lock_irqsave(&qp->lock, flags);
	if (qp->rq.tail != qp->rq.head) {
		wqe = sib_ring_slot(&qp->rq, qp->rq.tail);
		memcpy(out, wqe, struct_size(wqe, sg, wqe->num_sge));
		qp->rq.tail++;
		ok = true;
	}
	spin_unlock_irqrestore(&qp->lock, flags);
	return ok;
}

static enum ib_wc_opcode wc_opcode(enum ib_wr_opcode op)
{
	switch (op) {
	case IB_WR_LSO:
		return IB_WC_LSO;
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		return IB_WC_RDMA_WRITE;
	case IB_WR_RDMA_READ:
		return IB_WC_RDMA_READ;
	default:
		return IB_WC_SEND;
	}
}

void sib_send_complete(struct sib_qp *qp, const struct sib_swqe *wqe,
		       enum ib_wc_status status)
{
	struct ib_wc wc = {
		.wr_id = wqe->wr_id,
		.status = status,
		.opcode = wc_opcode(wqe->opcode),
		.qp = &qp->ibqp,
	};

	if (status == IB_WC_SUCCESS && !qp->sig_all &&
	    !(wqe->send_flags & IB_SEND_SIGNALED))
		return;
	sib_cq_push(qp->scq, &wc, false);
}

static void flush_sq(struct sib_qp *qp)
{
	struct sib_swqe *wqe;

	lockdep_assert_held(&qp->lock);
	while (qp->sq.tail != qp->sq.head) {
		wqe = sib_ring_slot(&qp->sq, qp->sq.tail);
		qp->sq.tail++;
		sib_send_complete(qp, wqe, IB_WC_WR_FLUSH_ERR);
	}
	qp->tries = 0;
}

/* The message length; a sum beyond 4 GiB saturates (and is refused). */
static u32 wqe_len(const struct sib_swqe *wqe)
{
	u64 len = 0;
	u32 i;

	for (i = 0; i < wqe->num_sge; i++)
		len += wqe->sg[i].length;
	return min_t(u64, len, U32_MAX);
}

/*
 * Copy the message into the bounce buffer.  Growing the buffer sleeps, so
 * the inline poster (@inl) gets -EAGAIN and leaves the WQE to the worker.
 */
static int gather(struct sib_qp *qp, const struct sib_swqe *wqe, u32 *lenp,
		  bool inl)
{
	u32 len = wqe_len(wqe), i;
	void *buf;

	if (len > SIB_MAX_MSG)
		return -EMSGSIZE;
	if (len > qp->bounce_len) {
		if (inl)
			return -EAGAIN;
		buf = kvmalloc(len, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		kvfree(qp->bounce);
		qp->bounce = buf;
		qp->bounce_len = len;
	}
	len = 0;
	for (i = 0; i < wqe->num_sge; i++) {
		memcpy(qp->bounce + len,
		       (void *)(uintptr_t)wqe->sg[i].addr, wqe->sg[i].length);
		len += wqe->sg[i].length;
	}
	*lenp = len;
	return 0;
}

/* @wqe NULL: the payload is in the bounce buffer; else in @wqe's SGEs. */
static void init_pkt(struct sib_qp *qp, struct sib_pkt *pkt,
		     const struct sib_swqe *wqe, u32 len)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->sport = qp->port;
	pkt->slid = sib_qp_lid(qp);
	pkt->src_qpn = qp->ibqp.qp_num;
	pkt->type = qp->ibqp.qp_type;
	if (wqe) {
		pkt->src_sg = wqe->sg;
		pkt->src_nsge = wqe->num_sge;
	} else {
		pkt->data = qp->bounce;
	}
	pkt->len = len;
}

/*
 * A UD datagram goes from the sender's SGEs straight into the receiver's
 * buffers unless softib has to read or change it on the way: MADs (the
 * SA), LSO and checksum offload, and fault injection.
 */
static bool ud_direct(struct sib_qp *qp, const struct sib_swqe *wqe)
{
	return qp->ibqp.qp_type == IB_QPT_UD && wqe->opcode != IB_WR_LSO &&
	       !(wqe->send_flags & IB_SEND_IP_CSUM) && !sib_params.ud_csum &&
	       !sib_wire_faults_on();
}

/**
 * sib_fill_ud_grh - the GRH of a UD datagram from its address vector
 * @port: sending port (its GID table gives the SGID)
 * @pkt: the datagram; its length is the GRH's payload length
 * @av: the address vector, with IB_AH_GRH
 */
void sib_fill_ud_grh(struct sib_port *port, struct sib_pkt *pkt,
		     const struct rdma_ah_attr *av)
{
	const struct ib_global_route *grh = rdma_ah_read_grh(av);

	pkt->has_grh = true;
	pkt->grh.version_tclass_flow =
		cpu_to_be32((6U << 28) | ((u32)grh->traffic_class << 20) |
			    (grh->flow_label & 0xfffff));
	pkt->grh.paylen = cpu_to_be16(pkt->len);
	pkt->grh.next_hdr = 0x1b;
	pkt->grh.hop_limit = grh->hop_limit;
	sib_port_gid_at(port, grh->sgid_index, &pkt->grh.sgid);
	pkt->grh.dgid = grh->dgid;
}

/* A status, or -EAGAIN: leave the WQE to the worker. */
static int send_ud(struct sib_qp *qp, struct sib_swqe *wqe, bool inl)
{
	bool special = qp->ibqp.qp_type != IB_QPT_UD;
	u16 pkey_index = special ? wqe->pkey_index : qp->pkey_index;
	bool direct = ud_direct(qp, wqe);
	struct sib_pkt pkt;
	u32 len;
	int err;

	if (direct) {
		len = wqe_len(wqe);
	} else {
		err = gather(qp, wqe, &len, inl);
		if (err)
			return err == -EAGAIN ? err : IB_WC_LOC_LEN_ERR;
	}
	if (wqe->opcode != IB_WR_LSO &&
	    len > (special ? IB_MGMT_MAD_SIZE : ib_mtu_enum_to_int(sib_params.mtu)))
		return IB_WC_LOC_LEN_ERR;
	init_pkt(qp, &pkt, direct ? wqe : NULL, len);
	pkt.slid |= rdma_ah_get_path_bits(&wqe->av);
	pkt.dlid = rdma_ah_get_dlid(&wqe->av);
	pkt.sl = rdma_ah_get_sl(&wqe->av);
	sib_port_pkey_at(qp->port, pkey_index, &pkt.pkey);
	pkt.qkey = (wqe->remote_qkey & 0x80000000) ?
		   qp->qkey : wqe->remote_qkey;
	pkt.dst_qpn = wqe->remote_qpn;
	pkt.has_imm = wqe->opcode == IB_WR_SEND_WITH_IMM;
	pkt.imm = wqe->imm;
	pkt.solicited = wqe->send_flags & IB_SEND_SOLICITED;
	if (rdma_ah_get_ah_flags(&wqe->av) & IB_AH_GRH)
		sib_fill_ud_grh(qp->port, &pkt, &wqe->av);
	if (special) {
		sib_mad_send(qp, &pkt);
		return IB_WC_SUCCESS;
	}
	pkt.fault_ok = !direct;
	if (wqe->opcode == IB_WR_LSO)
		return sib_lso_send(qp, wqe, &pkt, len) ?
		       IB_WC_LOC_LEN_ERR : IB_WC_SUCCESS;
	if (wqe->send_flags & IB_SEND_IP_CSUM) {
		sib_csum_fill(pkt.data, pkt.len);
		sib_count(qp->port, SIB_CNT_XMIT_CSUM, 1);
	}
	sib_wire_ud(&pkt);
	return IB_WC_SUCCESS;
}

/*
 * RC outcome: a status, or -EAGAIN with *delay set to retry later.  Faults
 * on RC only lose messages, so the payload always goes straight from the
 * sender's SGEs to the receiver's.
 */
static int send_rc(struct sib_qp *qp, struct sib_swqe *wqe,
		   unsigned long *delay)
{
	struct sib_pkt pkt;
	u32 len = wqe_len(wqe), ms;

	if (wqe->opcode != IB_WR_SEND && wqe->opcode != IB_WR_SEND_WITH_IMM)
		return IB_WC_LOC_QP_OP_ERR;
	if (len > SIB_MAX_MSG)
		return IB_WC_LOC_LEN_ERR;
	init_pkt(qp, &pkt, wqe, len);
	pkt.dlid = qp->dlid;
	pkt.sl = qp->sl;
	pkt.dst_qpn = qp->dest_qpn;
	sib_port_pkey_at(qp->port, qp->pkey_index, &pkt.pkey);
	pkt.has_imm = wqe->opcode == IB_WR_SEND_WITH_IMM;
	pkt.imm = wqe->imm;
	pkt.solicited = wqe->send_flags & IB_SEND_SOLICITED;
	pkt.fault_ok = true;
	switch (sib_wire_rc(&pkt)) {
	case SIB_RX_OK:
		return IB_WC_SUCCESS;
	case SIB_RX_REMOTE_ERR:
		return IB_WC_REM_INV_REQ_ERR;
	case SIB_RX_RNR:
		sib_count(qp->port, SIB_CNT_RC_RNR, 1);
		if (qp->rnr_retry != 7 && qp->tries >= qp->rnr_retry)
			return IB_WC_RNR_RETRY_EXC_ERR;
		qp->tries++;
		*delay = usecs_to_jiffies(SIB_RNR_DELAY_US);
		return -EAGAIN;
	default:
		sib_count(qp->port, SIB_CNT_RC_RETRY, 1);
		if (qp->tries >= qp->retry_cnt)
			return IB_WC_RETRY_EXC_ERR;
		qp->tries++;
		/* local ACK timeout: 4.096 us * 2^timeout */
		ms = qp->timeout ? min_t(u64, (4ULL << qp->timeout) / 1000,
					 SIB_MAX_TIMEOUT_MS) :
				   SIB_MAX_TIMEOUT_MS;
		*delay = msecs_to_jiffies(max_t(u32, ms, 1));
		return -EAGAIN;
	}
}

/* What the owner of a send queue found to do. */
enum sq_step {
	SQ_IDLE,	/* nothing (empty, wedged, or not RTS) */
	SQ_DONE,	/* executed (or dropped after a reset) one WQE */
	SQ_LATER,	/* the worker must go on, after *delay */
};

/* Under the QP lock: whether the owner of the send queue has work. */
static bool sq_has_work(struct sib_qp *qp)
{
	lockdep_assert_held(&qp->lock);
	if (qp->sq.tail == qp->sq.head)
		return false;
	return qp->state == IB_QPS_ERR || qp->state == IB_QPS_SQE ||
	       (qp->state == IB_QPS_RTS && !qp->wedged);
}

/*
 * The poster executes its WQEs itself when nobody owns the send queue, it
 * is a data QP (MADs go to the embedded SA, which answers from its own
 * context) and interrupts are on (the work is not bounded by a budget of
 * time).
 */
static bool sq_claim_inline(struct sib_qp *qp, bool irqs_off)
{
	lockdep_assert_held(&qp->lock);
	if (qp->sq_owner != SIB_SQ_NONE)
		return false;
	if (irqs_off ||
	    (qp->ibqp.qp_type != IB_QPT_UD && qp->ibqp.qp_type != IB_QPT_RC)) {
		qp->sq_owner = SIB_SQ_WORKER;
		sib_qp_kick(qp, 0);
		return false;
	}
	qp->sq_owner = SIB_SQ_INLINE;
	return true;
}

/* Execute the oldest WQE, as the send queue's owner. */
static enum sq_step send_one(struct sib_qp *qp, bool inl, unsigned long *delay)
{
	struct sib_swqe *cur = qp->cur, *wqe;
	unsigned long flags;
	u32 gen;
	int ret;

	spin_lock_irqsave(&qp->lock, flags);
	if (qp->state == IB_QPS_ERR || qp->state == IB_QPS_SQE)
		flush_sq(qp);
	if (!sq_has_work(qp)) {
		spin_unlock_irqrestore(&qp->lock, flags);
		return SQ_IDLE;
	}
	wqe = sib_ring_slot(&qp->sq, qp->sq.tail);
	memcpy(cur, wqe, struct_size(wqe, sg, wqe->num_sge));
	gen = qp->sq_gen;
	spin_unlock_irqrestore(&qp->lock, flags);

	if (qp->ibqp.qp_type == IB_QPT_RC)
		ret = send_rc(qp, cur, delay);
	else
		ret = send_ud(qp, cur, inl);
	if (ret == -EAGAIN)
		return SQ_LATER;

	spin_lock_irqsave(&qp->lock, flags);
	if (gen != qp->sq_gen || qp->state == IB_QPS_RESET) {
		spin_unlock_irqrestore(&qp->lock, flags);
		return SQ_DONE;
	}
	qp->sq.tail++;
	qp->tries = 0;
	sib_send_complete(qp, cur, ret);
	spin_unlock_irqrestore(&qp->lock, flags);
	if (ret != IB_WC_SUCCESS && qp->ibqp.qp_type == IB_QPT_RC)
		sib_qp_to_err(qp);
	return SQ_DONE;
}

/*
 * Give up the send queue: to nobody when it has no more work, else to the
 * worker, which runs after @delay jiffies.  Checked under the lock that
 * posters and state changes take, so that no work is left without owner.
 */
static void sq_release(struct sib_qp *qp, bool later, unsigned long delay)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->lock, flags);
	if (!later && !sq_has_work(qp)) {
		qp->sq_owner = SIB_SQ_NONE;
	} else {
		qp->sq_owner = SIB_SQ_WORKER;
		sib_qp_kick(qp, later ? delay : 0);
	}
	spin_unlock_irqrestore(&qp->lock, flags);
}

/* Execute up to a budget of WQEs as the owner, then release the queue. */
static void sq_run(struct sib_qp *qp, bool inl)
{
	enum sq_step step = SQ_IDLE;
	unsigned long delay = 0;
	int n;

	for (n = 0; n < SIB_SEND_BUDGET; n++) {
		step = send_one(qp, inl, &delay);
		if (step != SQ_DONE)
			break;
	}
	sq_release(qp, step == SQ_LATER || n == SIB_SEND_BUDGET, delay);
}

/*
 * The worker runs when kicked: by its owner's hand-over, and by whatever
 * may have given the queue work (RTS, ERR, a released wedge).  While a
 * poster executes inline, the poster's release sees that work instead.
 */
void sib_send_worker(struct work_struct *work)
{
	struct sib_qp *qp = container_of(to_delayed_work(work), struct sib_qp,
					 send_work);

	spin_lock_irq(&qp->lock);
	if (qp->sq_owner == SIB_SQ_INLINE) {
		spin_unlock_irq(&qp->lock);
		return;
	}
	qp->sq_owner = SIB_SQ_WORKER;
	spin_unlock_irq(&qp->lock);
	sq_run(qp, false);
}
