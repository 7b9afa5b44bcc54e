// SPDX-License-Identifier: GPL-2.0
/*
 * IP over InfiniBand: does the SA support SendOnlyFullMember joins?
 */

#include <linux/atomic.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_verbs.h>

#include "ipoib_mcast_priv.h"

/* ------------------------------------------------------------------ */
/* SA capability: SendOnlyFullMember support (ClassPortInfo)           */

/*
 * 6.12 keeps ib_sa's ClassPortInfo to itself, so we ask the SA once per
 * start through a GSI agent of our own.  Until the answer is in, send-only
 * groups try SendOnlyFullMember and fall back on an error (join_failed).
 * The handlers take no lock of ours, so the agent can be unregistered
 * (which waits for them) with the control mutex held.
 */
static atomic_t cpi_tid = ATOMIC_INIT(0);

static void cpi_recv(struct ib_mad_agent *agent,
		     struct ib_mad_send_buf *send_buf,
		     struct ib_mad_recv_wc *wc)
{
	struct ipib_dev *dev = agent->context;
	struct ib_sa_mad *mad = (struct ib_sa_mad *)wc->recv_buf.mad;
	struct ib_class_port_info *cpi = (void *)mad->data;
	bool sofm;

	if (mad->mad_hdr.status ||
	    mad->mad_hdr.attr_id != cpu_to_be16(IB_SA_ATTR_CLASS_PORTINFO))
		goto out;
	sofm = ib_get_cpi_capmask2(cpi) &
	       IB_SA_CAP_MASK2_SENDONLY_FULL_MEM_SUPPORT;
	mcast_dbg(dev, "SA ClassPortInfo: SendOnlyFullMember %ssupported\n",
		  sofm ? "" : "not ");
	if (!sofm)
		WRITE_ONCE(dev->mcast.sa_no_sendonly, true);
out:
	ib_free_recv_mad(wc);
}

static void cpi_sent(struct ib_mad_agent *agent, struct ib_mad_send_wc *wc)
{
	struct ib_mad_send_buf *msg = wc->send_buf;

	rdma_destroy_ah(msg->ah, RDMA_DESTROY_AH_SLEEPABLE);
	ib_free_send_mad(msg);
}

static struct ib_ah *cpi_sm_ah(struct ipib_dev *dev, struct ib_pd *pd)
{
	struct rdma_ah_attr attr = {};
	struct ib_port_attr pattr;

	if (ib_query_port(dev->ca, dev->port, &pattr))
		return ERR_PTR(-EIO);
	attr.type = rdma_ah_find_type(dev->ca, dev->port);
	rdma_ah_set_dlid(&attr, pattr.sm_lid);
	rdma_ah_set_sl(&attr, pattr.sm_sl);
	rdma_ah_set_port_num(&attr, dev->port);
	return rdma_create_ah(pd, &attr, RDMA_CREATE_AH_SLEEPABLE);
}

void ipib_mcg_cpi_query(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;
	struct ib_mad_agent *agent = t->cpi_agent;
	struct ib_mad_send_buf *msg;
	struct ib_sa_mad *mad;
	u16 pkey_index;
	struct ib_ah *ah;

	lockdep_assert_held(&t->lock);
	if (!agent || t->cpi_asked)
		return;
	t->cpi_asked = true;
	ah = cpi_sm_ah(dev, agent->qp->pd);
	if (IS_ERR(ah))
		return;
	if (ib_find_pkey(dev->ca, dev->port, IB_DEFAULT_PKEY_FULL, &pkey_index))
		pkey_index = 0;
	msg = ib_create_send_mad(agent, 1, pkey_index, 0, IB_MGMT_SA_HDR,
				 IB_MGMT_SA_DATA, GFP_KERNEL,
				 IB_MGMT_BASE_VERSION);
	if (IS_ERR(msg))
		goto err_destroy_ah;
	msg->ah = ah;
	msg->timeout_ms = 1000;
	msg->retries = 2;
	mad = msg->mad;
	mad->mad_hdr.base_version = IB_MGMT_BASE_VERSION;
	mad->mad_hdr.mgmt_class = IB_MGMT_CLASS_SUBN_ADM;
	mad->mad_hdr.class_version = IB_SA_CLASS_VERSION;
	mad->mad_hdr.method = IB_MGMT_METHOD_GET;
	mad->mad_hdr.tid = cpu_to_be64((u64)agent->hi_tid << 32 |
				       (u32)atomic_inc_return(&cpi_tid));
	mad->mad_hdr.attr_id = cpu_to_be16(IB_SA_ATTR_CLASS_PORTINFO);
	if (ib_post_send_mad(msg, NULL))
		goto err_free_msg;
	return;

err_free_msg:
	ib_free_send_mad(msg);
err_destroy_ah:
	rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
}

void ipib_mcg_cpi_start(struct ipib_dev *dev)
{
	struct ib_mad_agent *agent;

	if (dev->mcast.cpi_agent)
		return;
	agent = ib_register_mad_agent(dev->ca, dev->port, IB_QPT_GSI, NULL, 0,
				      cpi_sent, cpi_recv, dev, 0);
	/* Without an agent, the join error fallback alone decides. */
	dev->mcast.cpi_agent = IS_ERR(agent) ? NULL : agent;
}

void ipib_mcg_cpi_stop(struct ipib_dev *dev)
{
	struct ipib_mcast_table *t = &dev->mcast;

	if (!t->cpi_agent)
		return;
	/* Cancels the query and waits for its handlers. */
	ib_unregister_mad_agent(t->cpi_agent);
	t->cpi_agent = NULL;
}
