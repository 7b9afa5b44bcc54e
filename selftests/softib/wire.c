// SPDX-License-Identifier: GPL-2.0
/*
 * softib fabric delivery: routes messages by DLID to the destination QP,
 * enforces Q_Key/P_Key, scatters into posted receives and completes them.
 * Fault injection applies to data QPs (UD: drop, delay, duplicate, corrupt;
 * RC: drop and corrupt, seen by the requester as losses).
 */
#include <linux/prandom.h>
#include <linux/slab.h>

#include "softib.h"
#include "phantom.h"
#include "rnetdev.h"

/* A receive WQE with room for the largest scatter list. */
union sib_rwqe_buf {
	struct sib_rwqe w;
	u8 raw[sizeof(struct sib_rwqe) + SIB_MAX_SGE * sizeof(struct ib_sge)];
};

struct scatter {
	const struct sib_rwqe *wqe;
	u32 sge;
	u32 off;
};

static int scatter_copy(struct scatter *s, const void *src, u32 len)
{
	const struct ib_sge *sg;
	u32 n;

	while (len) {
		if (s->sge >= s->wqe->num_sge)
			return -ENOSPC;
		sg = &s->wqe->sg[s->sge];
		n = min(len, sg->length - s->off);
		if (src)
			memcpy((void *)(uintptr_t)(sg->addr + s->off), src, n);
		s->off += n;
		if (s->off == sg->length) {
			s->sge++;
			s->off = 0;
		}
		if (src)
			src += n;
		len -= n;
	}
	return 0;
}

/* Scatter a message's payload: its data, or the sender's SGEs. */
static int scatter_pkt(struct scatter *s, const struct sib_pkt *pkt)
{
	const struct ib_sge *sg;
	u32 i;
	int err;

	if (pkt->data || !pkt->src_sg)
		return scatter_copy(s, pkt->data, pkt->len);
	for (i = 0; i < pkt->src_nsge; i++) {
		sg = &pkt->src_sg[i];
		err = scatter_copy(s, (const void *)(uintptr_t)sg->addr,
				   sg->length);
		if (err)
			return err;
	}
	return 0;
}

static bool port_usable(struct sib_port *port)
{
	return port && READ_ONCE(port->link_up) && !READ_ONCE(sib_fab->dying);
}

static bool check_keys(struct sib_qp *qp, struct sib_pkt *pkt, u16 *pkey_index)
{
	u16 mine;
	int idx;

	if (qp->ibqp.qp_type == IB_QPT_SMI) {
		*pkey_index = 0;
		return true;
	}
	if (pkt->qkey != qp->qkey) {
		sib_count(qp->port, SIB_CNT_DROP_QKEY, 1);
		return false;
	}
	if (qp->ibqp.qp_type == IB_QPT_GSI) {
		idx = sib_port_pkey_find(qp->port, pkt->pkey);
		*pkey_index = idx < 0 ? 0 : idx;
		if (idx >= 0)
			return true;
	} else {
		*pkey_index = qp->pkey_index;
		sib_port_pkey_at(qp->port, qp->pkey_index, &mine);
		if ((mine & 0x7fff) && (mine & 0x7fff) == (pkt->pkey & 0x7fff) &&
		    ((mine | pkt->pkey) & 0x8000))
			return true;
	}
	sib_count(qp->port, SIB_CNT_DROP_PKEY, 1);
	return false;
}

static bool ud_accepts(struct sib_qp *qp, struct sib_pkt *pkt)
{
	enum ib_qp_state state = READ_ONCE(qp->state);

	if (state != IB_QPS_RTR && state != IB_QPS_RTS &&
	    state != IB_QPS_SQD && state != IB_QPS_SQE) {
		sib_count(qp->port, SIB_CNT_DROP_QP_STATE, 1);
		return false;
	}
	return qp->ibqp.qp_type == pkt->type;
}

static void ud_fill_wc(struct ib_wc *wc, struct sib_qp *qp,
		       struct sib_pkt *pkt, u16 pkey_index)
{
	memset(wc, 0, sizeof(*wc));
	wc->opcode = IB_WC_RECV;
	wc->qp = &qp->ibqp;
	wc->src_qp = pkt->src_qpn;
	wc->slid = pkt->slid;
	wc->sl = pkt->sl;
	wc->pkey_index = pkey_index;
	wc->port_num = qp->port->num;
	wc->byte_len = pkt->len + sizeof(struct ib_grh);
	if (pkt->has_grh)
		wc->wc_flags |= IB_WC_GRH;
	if (pkt->has_imm) {
		wc->wc_flags |= IB_WC_WITH_IMM;
		wc->ex.imm_data = pkt->imm;
	}
}

/**
 * sib_wire_deliver_ud - deliver one datagram to a QP
 * @qp: destination (a reference is held by the caller)
 * @pkt: the message
 */
void sib_wire_deliver_ud(struct sib_qp *qp, struct sib_pkt *pkt)
{
	struct sib_port *port = qp->port;
	union sib_rwqe_buf rb;
	struct scatter s = { .wqe = &rb.w };
	struct ib_wc wc;
	u16 pkey_index;

	if (!ud_accepts(qp, pkt) || !check_keys(qp, pkt, &pkey_index))
		return;
	if (READ_ONCE(qp->rn)) {
		sib_rn_rx(qp, pkt);
		return;
	}
	if (!sib_qp_pop_recv(qp, &rb.w)) {
		sib_count(port, SIB_CNT_DROP_NO_RECV, 1);
		return;
	}
	ud_fill_wc(&wc, qp, pkt, pkey_index);
	wc.wr_id = rb.w.wr_id;
	if (scatter_copy(&s, pkt->has_grh ? &pkt->grh : NULL,
			 sizeof(struct ib_grh)) ||
	    scatter_pkt(&s, pkt)) {
		wc.status = IB_WC_LOC_LEN_ERR;
		sib_count(port, SIB_CNT_DROP_TOO_LONG, 1);
	} else {
		if (sib_params.ud_csum && qp->ibqp.qp_type == IB_QPT_UD &&
		    pkt->data && sib_csum_verify(pkt->data, pkt->len))
			wc.wc_flags |= IB_WC_IP_CSUM_OK;
		sib_count(port, SIB_CNT_RCV_PKTS, 1);
		sib_count(port, SIB_CNT_RCV_BYTES, pkt->len);
		if (qp->ibqp.qp_type != IB_QPT_UD)
			sib_count(port, SIB_CNT_MAD_RCV, 1);
	}
	sib_cq_push(qp->rcq, &wc, pkt->solicited);
}

static void route_ud(struct sib_pkt *pkt)
{
	struct sib_port *dport;
	struct sib_qp *qp;

	if (pkt->dlid >= SIB_MCAST_LID_MIN && pkt->dlid <= SIB_MCAST_LID_MAX) {
		sib_mcast_deliver(pkt);
		return;
	}
	rcu_read_lock();
	dport = sib_fabric_port_by_lid(pkt->dlid);
	if (!dport) {
		if (pkt->type != IB_QPT_UD || !sib_phantom_rx(pkt))
			sib_count(pkt->sport, SIB_CNT_DROP_NO_PORT, 1);
		goto out;
	}
	if (!sib_switch_routes(pkt->sport, dport, pkt->dlid)) {
		sib_count(pkt->sport, SIB_CNT_DROP_NO_ROUTE, 1);
		goto out;
	}
	if (!port_usable(dport)) {
		sib_count(dport, SIB_CNT_DROP_LINK_DOWN, 1);
		goto out;
	}
	qp = sib_qp_lookup(dport, pkt->dst_qpn);
	if (!qp) {
		sib_count(dport, SIB_CNT_DROP_NO_QP, 1);
		goto out;
	}
	sib_wire_deliver_ud(qp, pkt);
	sib_qp_put(qp);
out:
	rcu_read_unlock();
}

static bool chance(u32 ppm)
{
	return ppm && get_random_u32_below(1000000) < ppm;
}

/* Run the delay worker at @due unless it is already due earlier. */
static void delay_arm(unsigned long due)
{
	struct sib_fabric *fab = sib_fab;

	lockdep_assert_held(&fab->delay_lock);
	if (READ_ONCE(fab->dying) ||
	    (fab->delay_armed && !time_before(due, fab->delay_next)))
		return;
	fab->delay_armed = true;
	fab->delay_next = due;
	mod_delayed_work(fab->wq, &fab->delay_work,
			 time_after(due, jiffies) ? due - jiffies : 0);
}

/* Queue a copy of @pkt for delivery at @due; @sa_resp: send it then. */
static void delay_queue(struct sib_pkt *pkt, unsigned long due, bool sa_resp)
{
	struct sib_fabric *fab = sib_fab;
	struct sib_pkt *copy;
	unsigned long flags;

	copy = kmalloc(sizeof(*copy) + pkt->len, GFP_ATOMIC);
	if (!copy)
		return;
	*copy = *pkt;
	copy->data = (u8 *)(copy + 1);
	memcpy(copy->data, pkt->data, pkt->len);
	copy->due = due;
	copy->sa_resp = sa_resp;
	spin_lock_irqsave(&fab->delay_lock, flags);
	list_add_tail(&copy->node, &fab->delayed);
	delay_arm(due);
	spin_unlock_irqrestore(&fab->delay_lock, flags);
}

static void delay_pkt(struct sib_pkt *pkt, u32 us)
{
	delay_queue(pkt, jiffies + usecs_to_jiffies(us), false);
}

/**
 * sib_wire_faults_on - whether fabric/faults asks for faults on data QPs
 *
 * Return: true when drops, delays, duplicates or corruption are set.
 */
bool sib_wire_faults_on(void)
{
	struct sib_faults f = sib_fab->faults;

	return f.drop || f.delay_us || f.duplicate || f.corrupt;
}

/* Returns false when the message is lost. */
static bool apply_faults(struct sib_pkt *pkt, bool *dup)
{
	struct sib_faults f = sib_fab->faults;

	*dup = false;
	if (!pkt->fault_ok)
		return true;
	if (chance(f.drop)) {
		sib_count(pkt->sport, SIB_CNT_DROP_FAULT, 1);
		return false;
	}
	if (pkt->len && chance(f.corrupt)) {
		pkt->data[get_random_u32_below(pkt->len)] ^= 0x20;
		sib_count(pkt->sport, SIB_CNT_FAULT_CORRUPT, 1);
	}
	*dup = chance(f.duplicate);
	if (*dup)
		sib_count(pkt->sport, SIB_CNT_FAULT_DUP, 1);
	if (f.delay_us) {
		sib_count(pkt->sport, SIB_CNT_FAULT_DELAY, 1);
		delay_pkt(pkt, f.delay_us);
		if (*dup)
			delay_pkt(pkt, f.delay_us);
		return false;
	}
	return true;
}

/**
 * sib_wire_ud - send one datagram (unicast or multicast) into the fabric
 * @pkt: the message; its data is only used during the call
 */
void sib_wire_ud(struct sib_pkt *pkt)
{
	bool dup;

	if (!port_usable(pkt->sport)) {
		sib_count(pkt->sport, SIB_CNT_DROP_LINK_DOWN, 1);
		return;
	}
	sib_count(pkt->sport, SIB_CNT_XMIT_PKTS, 1);
	sib_count(pkt->sport, SIB_CNT_XMIT_BYTES, pkt->len);
	if (!apply_faults(pkt, &dup))
		return;
	route_ud(pkt);
	if (dup)
		route_ud(pkt);
}

/**
 * sib_wire_ud_later - send one datagram at @due (a delayed SA answer)
 * @pkt: the message; copied
 * @due: jiffies
 *
 * The copy goes through sib_wire_ud() when due, unless its port has gone
 * or the SM has been stopped meanwhile.
 */
void sib_wire_ud_later(struct sib_pkt *pkt, unsigned long due)
{
	delay_queue(pkt, due, true);
}

static void delay_send(struct sib_pkt *pkt)
{
	if (!pkt->sa_resp) {
		if (port_usable(pkt->sport))
			route_ud(pkt);
		return;
	}
	pkt->sa_resp = false;
	if (!READ_ONCE(sib_fab->sm_stopped))
		sib_wire_ud(pkt);
}

void sib_wire_delay_worker(struct work_struct *work)
{
	struct sib_fabric *fab = sib_fab;
	struct sib_pkt *pkt, *tmp;
	unsigned long next = 0;
	LIST_HEAD(due);

	/* a port being removed waits for this section (synchronize_rcu) */
	rcu_read_lock();
	spin_lock_irq(&fab->delay_lock);
	fab->delay_armed = false;
	list_for_each_entry_safe(pkt, tmp, &fab->delayed, node) {
		if (time_after_eq(jiffies, pkt->due))
			list_move_tail(&pkt->node, &due);
		else if (!next || time_before(pkt->due, next))
			next = pkt->due;
	}
	if (next)
		delay_arm(next);
	spin_unlock_irq(&fab->delay_lock);

	list_for_each_entry_safe(pkt, tmp, &due, node) {
		list_del(&pkt->node);
		delay_send(pkt);
		kfree(pkt);
	}
	rcu_read_unlock();
}

/* Forget delayed messages sent by @port (all of them for NULL). */
void sib_wire_flush_delayed(struct sib_port *port)
{
	struct sib_pkt *pkt, *tmp;
	LIST_HEAD(all);

	spin_lock_irq(&sib_fab->delay_lock);
	list_for_each_entry_safe(pkt, tmp, &sib_fab->delayed, node)
		if (!port || pkt->sport == port)
			list_move_tail(&pkt->node, &all);
	spin_unlock_irq(&sib_fab->delay_lock);
	list_for_each_entry_safe(pkt, tmp, &all, node)
		kfree(pkt);
}

/*
 * On RC a corrupted packet fails the ICRC check and is dropped like a lost
 * one, and duplicates are discarded by the PSN check: both faults come down
 * to a loss that the requester's retry rules (retry_cnt, timeout) handle.
 */
static bool rc_fault(struct sib_pkt *pkt)
{
	struct sib_faults f = sib_fab->faults;

	if (!pkt->fault_ok || !(chance(f.drop) || chance(f.corrupt)))
		return false;
	sib_count(pkt->sport, SIB_CNT_DROP_FAULT, 1);
	return true;
}

static bool rc_accepts(struct sib_qp *qp, struct sib_pkt *pkt)
{
	enum ib_qp_state state = READ_ONCE(qp->state);

	return qp->ibqp.qp_type == IB_QPT_RC &&
	       (state == IB_QPS_RTR || state == IB_QPS_RTS ||
		state == IB_QPS_SQD || state == IB_QPS_SQE) &&
	       qp->dest_qpn == pkt->src_qpn;
}

static enum sib_rx_result rc_deliver(struct sib_qp *qp, struct sib_pkt *pkt)
{
	union sib_rwqe_buf rb;
	struct scatter s = { .wqe = &rb.w };
	struct ib_wc wc = {
		.opcode = IB_WC_RECV,
		.qp = &qp->ibqp,
		.src_qp = pkt->src_qpn,
		.slid = pkt->slid,
		.sl = pkt->sl,
		.byte_len = pkt->len,
		.port_num = qp->port->num,
		.pkey_index = qp->pkey_index,
	};

	if (!rc_accepts(qp, pkt)) {
		sib_count(qp->port, SIB_CNT_DROP_QP_STATE, 1);
		return SIB_RX_DROPPED;
	}
	if (!sib_qp_pop_recv(qp, &rb.w))
		return SIB_RX_RNR;
	wc.wr_id = rb.w.wr_id;
	if (pkt->has_imm) {
		wc.wc_flags = IB_WC_WITH_IMM;
		wc.ex.imm_data = pkt->imm;
	}
	if (scatter_pkt(&s, pkt)) {
		wc.status = IB_WC_LOC_LEN_ERR;
		sib_count(qp->port, SIB_CNT_DROP_TOO_LONG, 1);
		sib_cq_push(qp->rcq, &wc, false);
		sib_qp_to_err(qp);
		return SIB_RX_REMOTE_ERR;
	}
	sib_count(qp->port, SIB_CNT_RCV_PKTS, 1);
	sib_count(qp->port, SIB_CNT_RCV_BYTES, pkt->len);
	sib_cq_push(qp->rcq, &wc, pkt->solicited);
	return SIB_RX_OK;
}

/**
 * sib_wire_rc - deliver one reliable-connected message
 * @pkt: the message
 *
 * Return: what the requester sees: delivered, lost (retry on timeout),
 * receiver not ready (RNR) or rejected.
 */
enum sib_rx_result sib_wire_rc(struct sib_pkt *pkt)
{
	enum sib_rx_result res = SIB_RX_DROPPED;
	struct sib_port *dport;
	struct sib_qp *qp;

	if (!port_usable(pkt->sport) || rc_fault(pkt))
		return SIB_RX_DROPPED;
	rcu_read_lock();
	dport = sib_fabric_port_by_lid(pkt->dlid);
	if (dport && !sib_switch_routes(pkt->sport, dport, pkt->dlid)) {
		sib_count(pkt->sport, SIB_CNT_DROP_NO_ROUTE, 1);
		goto out;
	}
	if (!port_usable(dport))
		goto out;
	qp = sib_qp_lookup(dport, pkt->dst_qpn);
	if (!qp) {
		sib_count(dport, SIB_CNT_DROP_NO_QP, 1);
		goto out;
	}
	res = rc_deliver(qp, pkt);
	sib_qp_put(qp);
	if (res == SIB_RX_OK) {
		sib_count(pkt->sport, SIB_CNT_XMIT_PKTS, 1);
		sib_count(pkt->sport, SIB_CNT_XMIT_BYTES, pkt->len);
	}
out:
	rcu_read_unlock();
	return res;
}
