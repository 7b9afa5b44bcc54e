// SPDX-License-Identifier: GPL-2.0
/*
 * softib management datagrams: QP0/QP1 sends are routed by DLID; SA
 * requests (class SubnAdm on QP1 at the SM LID) are answered by the
 * embedded SA library with a response from the SM's LID.
 */
#include <linux/slab.h>
#include <rdma/ib_mad.h>

#include "softib.h"

static bool is_sa_request(struct sib_pkt *pkt)
{
	return pkt->type == IB_QPT_GSI && pkt->dst_qpn == 1 &&
	       pkt->len >= IB_MGMT_MAD_HDR &&
	       pkt->dlid == READ_ONCE(sib_fab->sm_lid) &&
	       pkt->data[1] == IB_MGMT_CLASS_SUBN_ADM;
}

static void sa_respond(struct sib_pkt *req, void *resp)
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

	sib_wire_ud(&pkt);
}

static void sa_request(struct sib_pkt *req)
{
	struct sib_sa_port src;
	void *resp;
	int ret;

	if (!READ_ONCE(req->sport->link_up) || req->len != SIB_MAD_SIZE)
		return;
	sib_count(req->sport, SIB_CNT_SA_REQS, 1);
	resp = kzalloc(SIB_MAD_SIZE, GFP_KERNEL);
	if (!resp)
		return;
	sib_fabric_sa_port(req->sport, &src);
	ret = sib_sa_process(sib_fab->sa, &src, req->data, resp);
	if (ret == 1)
		sa_respond(req, resp);
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
	if (is_sa_request(pkt)) {
		sa_request(pkt);
		return;
	}
	if (pkt->dlid == SIB_PERMISSIVE_LID)
		return;	/* directed-route SMPs: no SMA here */
	sib_wire_ud(pkt);
}
