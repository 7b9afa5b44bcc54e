// SPDX-License-Identifier: GPL-2.0
/*
 * What other kernel subsystems and the administrator ask of an interface
 * beyond the data path:
 *  - rdma_cm, for an incoming connection request on an IB port, asks the
 *    IB client which net_device owns the request's (port, P_Key, local
 *    GID, destination IP address): ipib_get_net_dev_by_params();
 *  - `ip link set ibX address ...` moves an interface that is down to
 *    another GID of its port's GID table: ipib_set_mac_address().
 */
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ipv6.h>
#include <rdma/ib_cache.h>

#include "ipoib.h"
#include "ipoib_cma.h"

/* Offset of the GID in the 20-byte hardware address (after flags, QPN). */
#define IPIB_ADDR_GID_OFF	4

static bool has_ip4(struct net_device *ndev, const struct sockaddr_in *sin)
{
	const struct in_device *in = __in_dev_get_rcu(ndev);
	const struct in_ifaddr *ifa;

	if (!in)
		return false;
	in_dev_for_each_ifa_rcu(ifa, in)
		if (ifa->ifa_local == sin->sin_addr.s_addr)
			return true;
	return false;
}

static bool has_ip6(struct net_device *ndev, const struct sockaddr_in6 *sin6)
{
#if IS_ENABLED(CONFIG_IPV6)
	const struct inet6_dev *idev = __in6_dev_get(ndev);
	const struct inet6_ifaddr *ifa;

	if (!idev)
		return false;
	list_for_each_entry_rcu(ifa, &idev->addr_list, if_list)
		if (ipv6_addr_equal(&ifa->addr, &sin6->sin6_addr))
			return true;
#endif
	return false;
}

/* Is @addr configured on @ndev itself?  Under RCU. */
static bool has_ip(struct net_device *ndev, const struct sockaddr *addr)
{
	switch (addr->sa_family) {
	case AF_INET:
		return has_ip4(ndev, (const struct sockaddr_in *)addr);
	case AF_INET6:
		return has_ip6(ndev, (const struct sockaddr_in6 *)addr);
	default:
		return false;
	}
}

struct ip_walk {
	const struct sockaddr *addr;
	struct net_device *found;
};

static int upper_has_ip(struct net_device *upper,
			struct netdev_nested_priv *priv)
{
	struct ip_walk *w = priv->data;

	if (!has_ip(upper, w->addr))
		return 0;
	w->found = upper;
	return 1;
}

/*
 * The device that carries @addr: @ndev itself or one of the devices
 * stacked on it (a bond master, ...), each in its own namespace; NULL if
 * none does.  Under RCU.
 */
static struct net_device *ip_owner(struct net_device *ndev,
				   const struct sockaddr *addr)
{
	struct ip_walk w = { .addr = addr };
	struct netdev_nested_priv priv = { .data = &w };

	if (!addr)
		return NULL;
	if (has_ip(ndev, addr))
		return ndev;
	netdev_walk_all_upper_dev_rcu(ndev, upper_has_ip, &priv);
	return w.found;
}

/* @ndev's L2 master (a bond), or @ndev when it has none.  Under RCU. */
static struct net_device *l2_master(struct net_device *ndev)
{
	struct net_device *master = netdev_master_upper_dev_get_rcu(ndev);

	return master && !netif_is_l3_master(master) ? master : ndev;
}

/**
 * struct cma_lookup - candidates for one connection request
 * @pkey: the request's P_Key (the full-member bit does not count)
 * @gid: the request's local GID, NULL for any
 * @addr: the request's destination IP address, NULL if it has none
 * @first: the first interface on P_Key and GID
 * @matches: interfaces on P_Key and GID
 * @owner: the first device found carrying @addr
 * @owners: how many of the matching interfaces lead to such a device
 */
struct cma_lookup {
	u16 pkey;
	const union ib_gid *gid;
	const struct sockaddr *addr;
	struct ipib_dev *first;
	unsigned int matches;
	struct net_device *owner;
	unsigned int owners;
};

/*
 * P_Key and local GID are RTNL fields read here without it: a concurrent
 * change (set_mac_address on a down interface, a P_Key child coming or
 * going) can only make this one lookup miss or see the old interface.
 */
static void consider(struct cma_lookup *lk, struct ipib_dev *dev)
{
	struct net_device *owner;

	if ((lk->pkey | 0x8000) != READ_ONCE(dev->pkey))
		return;
	/* lock-free read of an RTNL field: see above */
	if (lk->gid && data_race(memcmp(lk->gid, &dev->local_gid,
					sizeof(*lk->gid))))
		return;
	if (!lk->first)
		lk->first = dev;
	lk->matches++;
	owner = ip_owner(dev->ndev, lk->addr);
	if (!owner)
		return;
	if (!lk->owner)
		lk->owner = owner;
	lk->owners++;
}

static struct net_device *cma_pick(struct cma_lookup *lk)
{
	if (lk->owners > 1)
		net_warn_ratelimited("%s: duplicate IP address %pISc on P_Key 0x%04x\n",
				     lk->owner->name, lk->addr, lk->pkey);
	if (lk->owner)
		return lk->owner;
	/* alone on its P_Key and GID: the request can only be for it */
	if (lk->matches == 1)
		return l2_master(lk->first->ndev);
	return NULL;
}

/**
 * ipib_get_net_dev_by_params - the net_device an rdma_cm request is for
 * @ca: the IB device the request came in on
 * @port: its port
 * @pkey: the P_Key of the request's path
 * @gid: the GID the request is addressed to, NULL for any
 * @addr: the destination IP address in the request, or NULL
 * @client_data: our per-HCA data (struct ipib_hca)
 *
 * The port's parent and its P_Key children are candidates when their
 * P_Key and GID match.  Among those, the one whose device (itself or a
 * device stacked on it, such as a bond master) carries @addr wins, and
 * that device is returned; a single candidate without the address is
 * returned as its L2 master (or itself).  The children list is walked
 * under RCU: ib_core calls this from the CM's work queue, where RTNL may
 * not be taken.
 *
 * Return: the device with a reference held (dev_put() it), or NULL.
 */
struct net_device *ipib_get_net_dev_by_params(struct ib_device *ca, u32 port,
					      u16 pkey,
					      const union ib_gid *gid,
					      const struct sockaddr *addr,
					      void *client_data)
{
	struct cma_lookup lk = { .pkey = pkey, .gid = gid, .addr = addr };
	struct ipib_hca *hca = client_data;
	struct ipib_dev *parent, *child;
	struct net_device *ndev;

	if (!hca || port < rdma_start_port(ca) || port > rdma_end_port(ca) ||
	    !rdma_protocol_ib(ca, port))
		return NULL;
	/* pairs with the release in ipib_add_one() */
	parent = smp_load_acquire(&hca->ports[port - rdma_start_port(ca)]);
	if (!parent)
		return NULL;

	rcu_read_lock();
	consider(&lk, parent);
	list_for_each_entry_rcu(child, &parent->family.children, family.node)
		consider(&lk, child);
	ndev = cma_pick(&lk);
	dev_hold(ndev);
	rcu_read_unlock();
	return ndev;
}

/* Children that use @dev's current GID follow its change. */
static bool shares_gid(struct ipib_dev *dev, struct ipib_dev *child)
{
	return !memcmp(&child->local_gid, &dev->local_gid,
		       sizeof(dev->local_gid));
}

static int check_new_addr(struct ipib_dev *dev, const u8 *addr)
{
	const struct ib_gid_attr *attr;
	union ib_gid gid;

	if (memcmp(addr, dev->ndev->dev_addr, IPIB_ADDR_GID_OFF)) {
		netdev_info(dev->ndev,
			    "address refused: bytes 0-3 (flags, QPN) must stay %*phC\n",
			    IPIB_ADDR_GID_OFF, dev->ndev->dev_addr);
		return -EINVAL;
	}
	memcpy(gid.raw, addr + IPIB_ADDR_GID_OFF, sizeof(gid.raw));
	attr = rdma_find_gid_by_port(dev->ca, &gid, IB_GID_TYPE_IB, dev->port,
				     NULL);
	if (IS_ERR(attr)) {
		netdev_info(dev->ndev,
			    "address refused: GID %pI6 is not in the GID table of %s port %u\n",
			    gid.raw, dev_name(&dev->ca->dev), dev->port);
		return -EINVAL;
	}
	rdma_put_gid_attr(attr);
	return 0;
}

static void apply_gid(struct ipib_dev *dev, const union ib_gid *gid)
{
	dev->local_gid = *gid;
	dev_addr_mod(dev->ndev, IPIB_ADDR_GID_OFF, gid->raw, sizeof(gid->raw));
}

/**
 * ipib_set_mac_address - ndo_set_mac_address: use another GID of the port
 * @ndev: the interface (down)
 * @p: struct sockaddr with the new 20-byte hardware address
 *
 * The flags and QPN (bytes 0-3) must be the interface's own and the GID
 * (bytes 4-19) one in the port's GID table.  Children that share the
 * interface's GID move with it; none of them may be up either.  Paths,
 * address handles and groups are built again from the new GID when the
 * interface comes up.  Under RTNL.
 *
 * Return: 0; -EBUSY while the interface or such a child is up; -EINVAL
 * for any other address.
 */
int ipib_set_mac_address(struct net_device *ndev, void *p)
{
	const u8 *addr = (const u8 *)((struct sockaddr *)p)->sa_data;
	struct ipib_dev *dev = ipib_priv(ndev);
	struct ipib_dev *child;
	union ib_gid gid;
	int rc;

	ASSERT_RTNL();
	if (netif_running(ndev))
		return -EBUSY;
	ipib_for_each_child(child, dev)
		if (shares_gid(dev, child) && netif_running(child->ndev))
			return -EBUSY;
	rc = check_new_addr(dev, addr);
	if (rc)
		return rc;
	memcpy(gid.raw, addr + IPIB_ADDR_GID_OFF, sizeof(gid.raw));
	ipib_for_each_child(child, dev) {
		if (!shares_gid(dev, child))
			continue;
		apply_gid(child, &gid);
		call_netdevice_notifiers(NETDEV_CHANGEADDR, child->ndev);
	}
	apply_gid(dev, &gid);
	return 0;
}
