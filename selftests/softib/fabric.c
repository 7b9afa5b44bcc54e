// SPDX-License-Identifier: GPL-2.0
/*
 * The fabric: every port of every softib device, its LID table, the
 * embedded subnet manager (LID assignment, SM LID) and the SA instance.
 */
#include <linux/slab.h>

#include "softib.h"
#include "phantom.h"

struct sib_fabric *sib_fab;

struct sib_port *sib_fabric_port_by_lid(u16 lid)
{
	return xa_load(&sib_fab->lids, lid);
}

void sib_fabric_sa_port(struct sib_port *port, struct sib_sa_port *out)
{
	unsigned long flags;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	sib_port_gid(port, &out->gid);
	out->port_guid = READ_ONCE(port->guid);
	out->lid = READ_ONCE(port->lid);
	out->mtu = sib_params.mtu;
	out->rate = IB_RATE_200_GBPS;
	out->active = READ_ONCE(port->link_up);
	spin_lock_irqsave(&port->lock, flags);
	for (i = 0; i < SIB_PKEY_TBL_LEN; i++) {
		out->pkeys[i] = port->pkeys[i];
		if (port->pkeys[i])
			out->npkeys = i + 1;
	}
	spin_unlock_irqrestore(&port->lock, flags);
}

static int sa_port_by_gid(void *ctx, const union ib_gid *gid,
			  struct sib_sa_port *out)
{
	struct sib_port *port;
	union ib_gid pgid;
	int err = -ENOENT;
	int i;

	rcu_read_lock();
	list_for_each_entry_rcu(port, &sib_fab->ports, node) {
		for (i = 0; i < SIB_GID_TBL_LEN && err; i++) {
			sib_port_gid_at(port, i, &pgid);
			if (!pgid.global.interface_id ||
			    memcmp(&pgid, gid, sizeof(pgid)))
				continue;
			sib_fabric_sa_port(port, out);
			/* records name the GID asked for (an alias too) */
			out->gid = pgid;
			err = 0;
		}
		if (!err)
			break;
	}
	rcu_read_unlock();
	return err ? sib_phantom_by_gid(gid, out) : 0;
}

static int sa_port_by_lid(void *ctx, u16 lid, struct sib_sa_port *out)
{
	struct sib_port *port;
	int err = -ENOENT;

	rcu_read_lock();
	port = sib_fabric_port_by_lid(lid);
	if (port) {
		sib_fabric_sa_port(port, out);
		err = 0;
	}
	rcu_read_unlock();
	return err ? sib_phantom_by_lid(lid, out) : 0;
}

static const struct sib_sa_fabric_ops sib_sa_ops = {
	.port_by_gid = sa_port_by_gid,
	.port_by_lid = sa_port_by_lid,
};

int sib_fabric_create(void)
{
	struct sib_fabric *fab;
	int err = -ENOMEM;

	fab = kzalloc(sizeof(*fab), GFP_KERNEL);
	if (!fab)
		return -ENOMEM;
	mutex_init(&fab->cfg_lock);
	spin_lock_init(&fab->lock);
	spin_lock_init(&fab->delay_lock);
	INIT_LIST_HEAD(&fab->ports);
	INIT_LIST_HEAD(&fab->mcast);
	INIT_LIST_HEAD(&fab->delayed);
	INIT_DELAYED_WORK(&fab->delay_work, sib_wire_delay_worker);
	xa_init_flags(&fab->lids, XA_FLAGS_LOCK_IRQ);
	fab->wq = alloc_workqueue("softib", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!fab->wq)
		goto err_free;
	fab->sa = sib_sa_create(&sib_sa_ops, fab, sib_params.mtu,
				IB_RATE_200_GBPS);
	if (IS_ERR_OR_NULL(fab->sa)) {
		err = fab->sa ? PTR_ERR(fab->sa) : -ENOMEM;
		goto err_wq;
	}
	fab->sm_lid = SIB_FIRST_LID;
	sib_sa_set_sm_lid(fab->sa, fab->sm_lid);
	sib_fab = fab;
	return 0;

err_wq:
	destroy_workqueue(fab->wq);
err_free:
	kfree(fab);
	return err;
}

void sib_fabric_destroy(void)
{
	struct sib_fabric *fab = sib_fab;

	WRITE_ONCE(fab->dying, true);
	cancel_delayed_work_sync(&fab->delay_work);
	sib_wire_flush_delayed(NULL);
	destroy_workqueue(fab->wq);
	sib_sa_destroy(fab->sa);
	xa_destroy(&fab->lids);
	kfree(fab->bench_out);
	sib_fab = NULL;
	kfree(fab);
}

static u16 free_lid(void)
{
	u16 lid;

	for (lid = SIB_FIRST_LID; lid < SIB_MCAST_LID_MIN; lid++)
		if (!xa_load(&sib_fab->lids, lid))
			return lid;
	return 0;
}

/*
 * The SM sweep for a new port: assign a LID (@lid when it is free, as for
 * a port plugged back in) and link the port into the fabric.  With
 * sm=external the port is linked without a LID: the SM assigns it.
 */
int sib_fabric_add_port(struct sib_port *port, u16 lid)
{
	struct sib_fabric *fab = sib_fab;
	int err;

	mutex_lock(&fab->cfg_lock);
	if (sib_params.sm == SIB_SM_EXTERNAL) {
		/* no LID until the SM assigns one */
		lid = 0;
		err = 0;
		goto link;
	}
	if (lid < SIB_FIRST_LID || lid >= SIB_MCAST_LID_MIN ||
	    xa_load(&fab->lids, lid))
		lid = free_lid();
	err = lid ? xa_insert_irq(&fab->lids, lid, port, GFP_KERNEL) : -ENOSPC;
link:
	if (!err) {
		WRITE_ONCE(port->lid, lid);
		spin_lock_irq(&fab->lock);
		list_add_tail_rcu(&port->node, &fab->ports);
		spin_unlock_irq(&fab->lock);
	}
	mutex_unlock(&fab->cfg_lock);
	return err;
}

void sib_fabric_del_port(struct sib_port *port)
{
	struct sib_fabric *fab = sib_fab;
	union ib_gid gid;

	mutex_lock(&fab->cfg_lock);
	if (port->lid)
		xa_erase_irq(&fab->lids, port->lid);
	sib_switch_link(port, false);
	spin_lock_irq(&fab->lock);
	list_del_rcu(&port->node);
	spin_unlock_irq(&fab->lock);
	mutex_unlock(&fab->cfg_lock);
	/* senders look ports up under RCU, delayed messages included */
	sib_wire_flush_delayed(port);
	synchronize_rcu();
	sib_port_gid(port, &gid);
	sib_sa_port_down(fab->sa, &gid);
	sib_port_gid_at(port, 1, &gid);
	if (gid.global.interface_id)
		sib_sa_port_down(fab->sa, &gid);
}

/* Change a port's LID (debugfs); the SM follows its port. */
int sib_fabric_set_lid(struct sib_port *port, u16 lid)
{
	struct sib_fabric *fab = sib_fab;
	u16 old;
	int err;

	if (lid < SIB_FIRST_LID || lid >= SIB_MCAST_LID_MIN)
		return -EINVAL;
	if (sib_params.sm == SIB_SM_EXTERNAL)
		return -EOPNOTSUPP;	/* the SM owns the LIDs */
	mutex_lock(&fab->cfg_lock);
	old = port->lid;
	if (old == lid) {
		mutex_unlock(&fab->cfg_lock);
		return 0;
	}
	err = xa_insert_irq(&fab->lids, lid, port, GFP_KERNEL);
	if (err) {
		mutex_unlock(&fab->cfg_lock);
		return err == -EBUSY ? -EINVAL : err;
	}
	WRITE_ONCE(port->lid, lid);
	xa_erase_irq(&fab->lids, old);
	if (fab->sm_lid == old) {
		WRITE_ONCE(fab->sm_lid, lid);
		sib_sa_set_sm_lid(fab->sa, lid);
	}
	mutex_unlock(&fab->cfg_lock);
	synchronize_rcu();
	sib_port_event(port, IB_EVENT_LID_CHANGE);
	if (fab->sm_lid == lid && !READ_ONCE(fab->sm_stopped))
		sib_fabric_sm_event(IB_EVENT_SM_CHANGE);
	return 0;
}

/* The SM LID that ports report: 0 while the SM is stopped. */
u16 sib_fabric_sm_lid(void)
{
	return READ_ONCE(sib_fab->sm_stopped) ? 0 : READ_ONCE(sib_fab->sm_lid);
}

void sib_fabric_sm_event(enum ib_event_type type)
{
	struct sib_port *port;

	mutex_lock(&sib_fab->cfg_lock);
	list_for_each_entry(port, &sib_fab->ports, node)
		sib_port_event(port, type);
	mutex_unlock(&sib_fab->cfg_lock);
}

/* Move the SM to the port after the current SM port (wrapping). */
int sib_fabric_sm_handover(void)
{
	struct sib_fabric *fab = sib_fab;
	struct sib_port *port, *next = NULL;
	bool found = false;

	mutex_lock(&fab->cfg_lock);
	if (fab->sm_stopped) {
		mutex_unlock(&fab->cfg_lock);
		return -EBUSY;
	}
	list_for_each_entry(port, &fab->ports, node) {
		if (found) {
			next = port;
			break;
		}
		if (port->lid == fab->sm_lid)
			found = true;
	}
	if (!next)
		next = list_first_entry_or_null(&fab->ports,
						struct sib_port, node);
	if (next) {
		WRITE_ONCE(fab->sm_lid, next->lid);
		sib_sa_set_sm_lid(fab->sa, next->lid);
	}
	mutex_unlock(&fab->cfg_lock);
	if (!next)
		return -ENODEV;
	sib_fabric_sm_event(IB_EVENT_SM_CHANGE);
	return 0;
}

/* Client reregister (after forgetting the groups for an SM restart). */
int sib_fabric_sm_reregister(bool restart)
{
	struct sib_fabric *fab = sib_fab;

	mutex_lock(&fab->cfg_lock);
	if (fab->sm_stopped) {
		mutex_unlock(&fab->cfg_lock);
		return -EBUSY;
	}
	mutex_unlock(&fab->cfg_lock);
	if (restart)
		sib_sa_restart(fab->sa);
	sib_fabric_sm_event(IB_EVENT_CLIENT_REREGISTER);
	return 0;
}

/* Set sm_stopped; false when it already had that value. */
static bool sm_set_stopped(bool stopped)
{
	struct sib_fabric *fab = sib_fab;
	bool changed;

	mutex_lock(&fab->cfg_lock);
	changed = fab->sm_stopped != stopped;
	WRITE_ONCE(fab->sm_stopped, stopped);
	mutex_unlock(&fab->cfg_lock);
	return changed;
}

/*
 * The SM goes away: ports report SM LID 0, the SA drops every request and
 * an address handle for LID 0 cannot be created, so ib_sa, told by
 * SM_CHANGE, ends up without an SM address handle.  The SA keeps its
 * groups.  Idempotent.
 */
void sib_fabric_sm_stop(void)
{
	if (sm_set_stopped(true))
		sib_fabric_sm_event(IB_EVENT_SM_CHANGE);
}

/* The SM comes back at its LID with the SA's state intact.  Idempotent. */
void sib_fabric_sm_start(void)
{
	if (sm_set_stopped(false))
		sib_fabric_sm_event(IB_EVENT_SM_CHANGE);
}

void sib_fabric_sa_policy(struct sib_sa_policy *out)
{
	unsigned long flags;

	spin_lock_irqsave(&sib_fab->lock, flags);
	*out = sib_fab->sa_policy;
	spin_unlock_irqrestore(&sib_fab->lock, flags);
}

void sib_fabric_set_sa_policy(const struct sib_sa_policy *pol)
{
	spin_lock_irq(&sib_fab->lock);
	sib_fab->sa_policy = *pol;
	spin_unlock_irq(&sib_fab->lock);
}
