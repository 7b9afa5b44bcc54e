// SPDX-License-Identifier: GPL-2.0
/*
 * softib multicast: QP attachments and replication of multicast
 * datagrams to every attached QP of the fabric.
 */
#include <linux/slab.h>

#include "softib.h"

static struct sib_mc_attach *find_attach(struct sib_qp *qp,
					 const union ib_gid *gid, u16 lid)
{
	struct sib_mc_attach *att;

	lockdep_assert_held(&sib_fab->lock);
	list_for_each_entry(att, &sib_fab->mcast, node)
		if (att->qp == qp && att->mlid == lid &&
		    !memcmp(&att->mgid, gid, sizeof(*gid)))
			return att;
	return NULL;
}

int sib_attach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	struct sib_qp *qp = to_sqp(ibqp);
	struct sib_mc_attach *att;

	if (ibqp->qp_type != IB_QPT_UD)
		return -EINVAL;
	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att)
		return -ENOMEM;
	att->mgid = *gid;
	att->mlid = lid;
	att->qp = qp;
	spin_lock_irq(&sib_fab->lock);
	if (find_attach(qp, gid, lid)) {
		spin_unlock_irq(&sib_fab->lock);
		kfree(att);
		return 0;
	}
	list_add_tail_rcu(&att->node, &sib_fab->mcast);
	spin_unlock_irq(&sib_fab->lock);
	return 0;
}

int sib_detach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	struct sib_mc_attach *att;

	spin_lock_irq(&sib_fab->lock);
	att = find_attach(to_sqp(ibqp), gid, lid);
	if (att)
		list_del_rcu(&att->node);
	spin_unlock_irq(&sib_fab->lock);
	if (!att)
		return -EINVAL;
	kfree_rcu(att, rcu);
	return 0;
}

void sib_mcast_detach_all(struct sib_qp *qp)
{
	struct sib_mc_attach *att, *tmp;

	spin_lock_irq(&sib_fab->lock);
	list_for_each_entry_safe(att, tmp, &sib_fab->mcast, node) {
		if (att->qp == qp) {
			list_del_rcu(&att->node);
			kfree_rcu(att, rcu);
		}
	}
	spin_unlock_irq(&sib_fab->lock);
}

static bool wants(struct sib_mc_attach *att, struct sib_pkt *pkt)
{
	struct sib_qp *qp = att->qp;
	struct sib_port *port = READ_ONCE(qp->port);

	if (!port || att->mlid != pkt->dlid)
		return false;
	if (pkt->has_grh && memcmp(&att->mgid, &pkt->grh.dgid,
				   sizeof(att->mgid)))
		return false;
	if (qp->block_mc_loop && port == pkt->sport &&
	    qp->ibqp.qp_num == pkt->src_qpn)
		return false;
	return READ_ONCE(port->link_up);
}

/*
 * Deliver a multicast datagram to every attached QP, the sender included;
 * with sm=external only to those the switch's MulticastForwardingTable
 * reaches (a copy the switch does not forward counts in the sender's
 * drop_no_mroute).
 */
void sib_mcast_deliver(struct sib_pkt *pkt)
{
	struct sib_mc_attach *att;
	struct sib_qp *qp;

	rcu_read_lock();
	list_for_each_entry_rcu(att, &sib_fab->mcast, node) {
		if (!wants(att, pkt))
			continue;
		qp = att->qp;
		if (!sib_switch_mroutes(pkt->sport, READ_ONCE(qp->port),
					pkt->dlid)) {
			sib_count(pkt->sport, SIB_CNT_DROP_NO_MROUTE, 1);
			continue;
		}
		if (!refcount_inc_not_zero(&qp->ref))
			continue;
		sib_count(qp->port, SIB_CNT_MCAST_RCV_PKTS, 1);
		sib_wire_deliver_ud(qp, pkt);
		sib_qp_put(qp);
	}
	rcu_read_unlock();
}
