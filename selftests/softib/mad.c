// SPDX-License-Identifier: GPL-2.0
/*
 * softib management datagrams: QP0/QP1 sends are routed by DLID; SA
 * requests (class SubnAdm on QP1 at the SM LID) are answered by the
 * embedded SA library with a response from the SM's LID, as fabric/sm
 * (stopped: no answer) and fabric/sa (delay, reject, drop) say.
 * With sm=external, SMPs go to smp.c and SA requests travel to the SM's
 * LID like any other MAD.
 */
#include <linux/slab.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_sa.h>

#include "softib.h"

enum sa_kind {
	SA_KIND_OTHER,
	SA_KIND_JOIN,
	SA_KIND_PATH,
};

static bool is_sa_request(struct sib_pkt *pkt)
{
	return pkt->type == IB_QPT_GSI && pkt->dst_qpn == 1 &&
	       pkt->len >= IB_MGMT_MAD_HDR &&
	       pkt->dlid == READ_ONCE(sib_fab->sm_lid) &&
	       pkt->data[1] == IB_MGMT_CLASS_SUBN_ADM;
}

static void sa_respond(struct sib_pkt *req, void *resp, unsigned long due)
{
	struct sib_pkt pkt = {
		.sport = req->sport,
		.slid = READ_ONCE(sib_fab->sm_lid),
		.dlid = req->slid,
		.pkey = req->pkey,
		.qkey = SIB_GSI_QKEY,
		.src_qpn = 1,
		.dst_qpn = req->src_qpn,
		.type = IB_QPT_GSI,
		.fault_ok = req->fault_ok,
		.data = resp,
		.len = SIB_MAD_SIZE,
	};

	if (time_after(due, jiffies))
		sib_wire_ud_later(&pkt, due);
	else
		sib_wire_ud(&pkt);
}

static enum sa_kind sa_classify(const struct ib_mad_hdr *h)
{
	switch (be16_to_cpu(h->attr_id)) {
	case IB_SA_ATTR_MC_MEMBER_REC:
		return h->method == IB_MGMT_METHOD_SET ? SA_KIND_JOIN :
		       SA_KIND_OTHER;
	case IB_SA_ATTR_PATH_REC:
		return h->method == IB_MGMT_METHOD_GET ||
		       h->method == IB_SA_METHOD_GET_TABLE ? SA_KIND_PATH :
		       SA_KIND_OTHER;
	default:
		return SA_KIND_OTHER;
	}
}

static void sa_count(enum sib_sa_counter c)
{
	atomic64_inc(&sib_fab->sa_cnt[c]);
}

/* Count the request; the mode fabric/sa sets for its kind. */
static enum sib_sa_mode sa_mode(enum sa_kind kind,
				const struct sib_sa_policy *pol)
{
	enum sib_sa_counter base;
	enum sib_sa_mode mode;

	switch (kind) {
	case SA_KIND_JOIN:
		base = SIB_SA_JOIN_REQS;
		mode = pol->join;
		break;
	case SA_KIND_PATH:
		base = SIB_SA_PATH_REQS;
		mode = pol->path;
		break;
	default:
		return SIB_SA_OK;
	}
	sa_count(base);
	/* fabric/sa readers rely on: a request is counted before its fate */
	smp_mb__after_atomic();
	if (mode == SIB_SA_REJECT)
		sa_count(base + 1);
	else if (mode == SIB_SA_DROP)
		sa_count(base + 2);
	return mode;
}

/* Answer (or not) one SA request; 1 with @resp filled. */
static int sa_answer(struct sib_pkt *req, void *resp, unsigned long *due)
{
	const struct ib_mad_hdr *h = (const void *)req->data;
	struct sib_sa_policy pol;
	enum sa_kind kind;
	struct sib_sa_port src;

	sib_fabric_sa_policy(&pol);
	*due = jiffies + msecs_to_jiffies(pol.delay_ms);
	kind = sa_classify(h);
	switch (sa_mode(kind, &pol)) {
	case SIB_SA_DROP:
		return 0;
	case SIB_SA_REJECT:
		return sib_sa_reject(req->data, resp, kind == SA_KIND_JOIN ?
				     SIB_SA_STATUS_NO_RESOURCES :
				     SIB_SA_STATUS_NO_RECORDS);
	default:
		sib_fabric_sa_port(req->sport, &src);
		return sib_sa_process(sib_fab->sa, &src, req->data, resp);
	}
}

static void sa_request(struct sib_pkt *req)
{
	unsigned long due;
	void *resp;

	if (!READ_ONCE(req->sport->link_up) || req->len != SIB_MAD_SIZE)
		return;
	sib_count(req->sport, SIB_CNT_SA_REQS, 1);
	if (READ_ONCE(sib_fab->sm_stopped)) {
		sib_count(req->sport, SIB_CNT_DROP_NO_SM, 1);
		sa_count(SIB_SA_NO_SM_DROPPED);
		return;
	}
	resp = kzalloc(SIB_MAD_SIZE, GFP_KERNEL);
	if (!resp)
		return;
	if (sa_answer(req, resp, &due) == 1)
		sa_respond(req, resp, due);
	kfree(resp);
}

/**
 * sib_mad_send - transmit a MAD from a GSI or SMI QP
 * @qp: the special QP (its send worker calls this, process context)
 * @pkt: the MAD
 */
void sib_mad_send(struct sib_qp *qp, struct sib_pkt *pkt)
{
	sib_count(qp->port, SIB_CNT_MAD_XMIT, 1);
	pkt->fault_ok = sib_fab->faults.mads;
	if (sib_params.sm == SIB_SM_EXTERNAL) {
		/* the SM answers the SA on its own QP1, like any MAD */
		if (qp->ibqp.qp_type == IB_QPT_SMI)
			sib_smp_send(pkt);
		else
			sib_wire_ud(pkt);
		return;
	}
	if (is_sa_request(pkt)) {
		sa_request(pkt);
		return;
	}
	if (pkt->dlid == SIB_PERMISSIVE_LID)
		return;	/* directed-route SMPs: no SMA here */
	sib_wire_ud(pkt);
}
