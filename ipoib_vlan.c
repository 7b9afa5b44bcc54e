// SPDX-License-Identifier: GPL-2.0
/*
 * P_Key child interfaces.
 *
 * A child is an interface of its own (its own UD QP, groups, paths and
 * neighbours) on its parent's IB port, in the partition of its P_Key.  It
 * shares the parent's port, GID and event handler: the parent's flushes
 * walk its children.  Children come from two places:
 *   - sysfs create_child on the parent: named <parent>.<pkey as typed>, one
 *     per partition (the P_Key is compared with the full-member bit set,
 *     so 0x8001 and 0x0001 are the same child), removed by delete_child or
 *     ip link del;
 *   - rtnetlink (ipoib_netlink.c): named by the user, any number per
 *     partition, removed by ip link del.
 * Both are created and removed under RTNL; the family links (struct
 * ipib_family) change in the child's ndo_init/ndo_uninit, and the child's
 * reference on its parent is dropped by its destructor.
 */
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>

#include "ipoib.h"

void ipib_family_init(struct ipib_dev *dev)
{
	INIT_LIST_HEAD(&dev->family.children);
	INIT_LIST_HEAD(&dev->family.node);
}

/**
 * ipib_is_ours - is @ndev an interface of this driver?
 * @ndev: any net_device
 *
 * Return: true for our parents and children.
 */
bool ipib_is_ours(const struct net_device *ndev)
{
	return ndev->netdev_ops == &ipib_netdev_ops;
}

/**
 * ipib_child_prepare - fill in a child before it is registered
 * @child: the new interface (allocated, not registered)
 * @parent: its parent (registered, a parent itself)
 * @pkey: the child's P_Key; the full-member bit is added
 * @kind: sysfs or rtnetlink
 *
 * Called under RTNL, @child made by ipib_rn_init() for @parent's port (so
 * the vendor's initializer, when the HCA has one, knows it is a child: it
 * shares the parent's receive side and gives the child its own QP).
 * ndo_init then reads the port identity.
 *
 * Return: 0, or -EINVAL when @parent is a child or the P_Key is invalid,
 * -EPERM when @parent is not registered (it is going away).
 */
int ipib_child_prepare(struct ipib_dev *child, struct ipib_dev *parent,
		       u16 pkey, enum ipib_kind kind)
{
	ASSERT_RTNL();
	if (parent->family.kind != IPIB_PARENT || !(pkey & 0x7fff))
		return -EINVAL;
	if (parent->ndev->reg_state != NETREG_REGISTERED)
		return -EPERM;
	child->ndev->rtnl_link_ops = &ipib_link_ops;
	child->ndev->sysfs_groups[0] = &ipib_child_attr_group;
	child->ca = parent->ca;
	child->port = parent->port;
	child->pkey = pkey | 0x8000;
	child->family.kind = kind;
	child->family.parent = parent;
	return 0;
}

/**
 * ipib_family_link - join the parent's child list (ndo_init)
 * @dev: the interface being registered
 *
 * Return: 0, or -EPERM when the parent is being unregistered.
 */
int ipib_family_link(struct ipib_dev *dev)
{
	struct ipib_dev *parent = dev->family.parent;

	ASSERT_RTNL();
	if (!parent)
		return 0;
	if (parent->ndev->reg_state != NETREG_REGISTERED)
		return -EPERM;
	netdev_hold(parent->ndev, &dev->family.tracker, GFP_KERNEL);
	list_add_tail_rcu(&dev->family.node, &parent->family.children);
	return 0;
}

/* ndo_uninit: no flush, open or sysfs write of the parent sees it again. */
void ipib_family_unlink(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	/* freed only after the core's synchronize_net() that follows */
	list_del_rcu(&dev->family.node);
}

/* The destructor: the parent may now go. */
void ipib_family_release(struct ipib_dev *dev)
{
	if (dev->family.parent)
		netdev_put(dev->family.parent->ndev, &dev->family.tracker);
}

static struct ipib_dev *find_sysfs_child(struct ipib_dev *parent, u16 pkey)
{
	struct ipib_dev *child;

	ipib_for_each_child(child, parent)
		if (child->family.kind == IPIB_CHILD_SYSFS &&
		    child->pkey == pkey)
			return child;
	return NULL;
}

/**
 * ipib_child_add_sysfs - create_child: a child named <parent>.<pkey>
 * @parent: the parent interface
 * @pkey: the P_Key as written (1..0xffff, not 0x8000)
 *
 * Called under RTNL.  The child is created in the parent's namespace.
 *
 * Return: 0, -ENOTUNIQ when the parent or a sysfs child already uses the
 * partition, or the error of the allocation or registration.
 */
int ipib_child_add_sysfs(struct ipib_dev *parent, int pkey)
{
	char name[IFNAMSIZ];
	struct net_device *ndev;
	struct ipib_dev *child;
	int rc;

	ASSERT_RTNL();
	if ((pkey | 0x8000) == parent->pkey ||
	    find_sysfs_child(parent, pkey | 0x8000))
		return -ENOTUNIQ;
	snprintf(name, sizeof(name), "%.10s.%04x", parent->ndev->name, pkey);
	ndev = ipib_rn_alloc(parent->ca, parent->port, name);
	if (IS_ERR(ndev))
		return PTR_ERR(ndev);
	child = ipib_priv(ndev);
	dev_net_set(ndev, dev_net(parent->ndev));
	rc = ipib_child_prepare(child, parent, pkey, IPIB_CHILD_SYSFS);
	if (!rc)
		rc = register_netdevice(ndev);
	if (rc) {
		ipib_rn_release(ndev);
		free_netdev(ndev);
	}
	return rc;
}

/**
 * ipib_child_del_sysfs - delete_child: remove the sysfs child of a partition
 * @parent: the parent interface
 * @pkey: the P_Key, with or without the full-member bit
 *
 * Called under RTNL.  Children made through rtnetlink are not found here;
 * ip link del removes those.
 *
 * Return: 0, or -ENODEV when no sysfs child has that P_Key.
 */
int ipib_child_del_sysfs(struct ipib_dev *parent, int pkey)
{
	struct ipib_dev *child;

	ASSERT_RTNL();
	child = find_sysfs_child(parent, pkey | 0x8000);
	if (!child)
		return -ENODEV;
	unregister_netdevice(child->ndev);
	return 0;
}

/**
 * ipib_children_kill - queue every child of @parent for unregistration
 * @parent: the parent, about to be unregistered in the same batch
 * @kill: the unregister_netdevice_many() list
 */
void ipib_children_kill(struct ipib_dev *parent, struct list_head *kill)
{
	struct ipib_dev *child;

	ASSERT_RTNL();
	ipib_for_each_child(child, parent)
		unregister_netdevice_queue(child->ndev, kill);
}

/**
 * ipib_children_set_up - a parent's up or down takes its children along
 * @parent: the parent being opened or stopped
 * @up: the new administrative state
 *
 * Children already in that state are left alone; a child that fails to
 * open says so and stays down.
 */
void ipib_children_set_up(struct ipib_dev *parent, bool up)
{
	struct ipib_dev *child;
	struct net_device *c;
	int rc;

	ASSERT_RTNL();
	ipib_for_each_child(child, parent) {
		c = child->ndev;
		if (!!(c->flags & IFF_UP) == up ||
		    c->reg_state != NETREG_REGISTERED)
			continue;
		rc = dev_change_flags(c, up ? c->flags | IFF_UP :
				      c->flags & ~IFF_UP, NULL);
		if (rc)
			netdev_warn(c, "could not follow %s %s: %d\n",
				    parent->ndev->name, up ? "up" : "down", rc);
	}
}
