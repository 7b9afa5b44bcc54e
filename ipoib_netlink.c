// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink link kind "ipoib": `ip link add link ib0 name ib0.8001 type
 * ipoib pkey 0x8001 mode datagram umcast 0` creates a P_Key child (any
 * number per partition, unlike create_child), `ip link set ... type ipoib`
 * changes its mode and umcast, `ip link del` removes it.  Every interface
 * of ours reports IFLA_IPOIB_PKEY, _MODE and _UMCAST.  A parent cannot be
 * deleted this way (the IB client owns it), and on namespace exit every
 * interface goes back to the initial namespace.
 */
#include <linux/netdevice.h>
#include <linux/if_link.h>
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "ipoib.h"

static const struct nla_policy ipib_policy[IFLA_IPOIB_MAX + 1] = {
	[IFLA_IPOIB_PKEY] = { .type = NLA_U16 },
	[IFLA_IPOIB_MODE] = { .type = NLA_U16 },
	[IFLA_IPOIB_UMCAST] = { .type = NLA_U16 },
};

static int ipib_nl_validate(struct nlattr *tb[], struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	if (!data)
		return 0;
	if (data[IFLA_IPOIB_PKEY] &&
	    !(nla_get_u16(data[IFLA_IPOIB_PKEY]) & 0x7fff)) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_PKEY],
				    "P_Key 0 or 0x8000 is not a partition");
		return -EINVAL;
	}
	if (data[IFLA_IPOIB_MODE] &&
	    nla_get_u16(data[IFLA_IPOIB_MODE]) > IPOIB_MODE_CONNECTED) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_MODE],
				    "mode is 0 (datagram) or 1 (connected)");
		return -EINVAL;
	}
	return 0;
}

static int set_mode(struct ipib_dev *dev, struct nlattr *attr,
		    struct netlink_ext_ack *extack)
{
	enum ipib_mode mode = nla_get_u16(attr) == IPOIB_MODE_CONNECTED ?
			      IPIB_MODE_CONNECTED : IPIB_MODE_DATAGRAM;
	int rc = ipib_cm_set_mode(dev, mode);

	if (rc && ipib_is_vendor(dev))
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "connected mode is not available over the device's IPoIB offload (rdma_netdev)");
	else if (rc)
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "this interface cannot use that mode");
	return rc;
}

static int ipib_nl_changelink(struct net_device *ndev, struct nlattr *tb[],
			      struct nlattr *data[],
			      struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	int rc;

	ASSERT_RTNL();
	if (!data)
		return 0;
	if (data[IFLA_IPOIB_PKEY] &&
	    (nla_get_u16(data[IFLA_IPOIB_PKEY]) | 0x8000) != dev->pkey) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_PKEY],
				    "the P_Key of an IPoIB interface cannot change");
		return -EOPNOTSUPP;
	}
	if (data[IFLA_IPOIB_MODE]) {
		rc = set_mode(dev, data[IFLA_IPOIB_MODE], extack);
		if (rc)
			return rc;
	}
	if (data[IFLA_IPOIB_UMCAST])
		WRITE_ONCE(dev->umcast, !!nla_get_u16(data[IFLA_IPOIB_UMCAST]));
	return 0;
}

/* IFLA_LINK names the parent; it must be one of our parents. */
static struct ipib_dev *nl_parent(struct net *net, struct nlattr *tb[],
				  struct netlink_ext_ack *extack)
{
	struct net_device *pdev;

	if (!tb[IFLA_LINK]) {
		NL_SET_ERR_MSG(extack, "an IPoIB child needs a parent: link DEV");
		return ERR_PTR(-EINVAL);
	}
	pdev = __dev_get_by_index(net, nla_get_u32(tb[IFLA_LINK]));
	if (!pdev || !ipib_is_ours(pdev)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "the parent is not an IPoIB interface of ib_ipoib");
		return ERR_PTR(-ENODEV);
	}
	if (ipib_priv(pdev)->family.kind != IPIB_PARENT) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "a P_Key child cannot have children");
		return ERR_PTR(-EINVAL);
	}
	return ipib_priv(pdev);
}

/*
 * The core allocated @ndev with ipib_setup() and the largest vendor sizes
 * (ipib_rn_link_fit()); our state and the vendor's come now.  Until it is
 * registered, an error undoes them here and the core frees @ndev.
 */
static int ipib_nl_newlink(struct net *src_net, struct net_device *ndev,
			   struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct ipib_dev *dev, *parent;
	u16 pkey;
	int rc;

	ASSERT_RTNL();
	parent = nl_parent(src_net, tb, extack);
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG(extack,
			       "an IPoIB address is the port GID and the QPN: it cannot be set");
		return -EOPNOTSUPP;
	}
	rc = ipib_rn_init(ndev, parent->ca, parent->port);
	if (rc) {
		NL_SET_ERR_MSG(extack, "the device could not set up the interface");
		return rc;
	}
	dev = ipib_priv(ndev);
	pkey = data && data[IFLA_IPOIB_PKEY] ?
	       nla_get_u16(data[IFLA_IPOIB_PKEY]) : parent->pkey;
	rc = ipib_child_prepare(dev, parent, pkey, IPIB_CHILD_RTNL);
	if (!rc) {
		if (data && data[IFLA_IPOIB_UMCAST])
			dev->umcast = !!nla_get_u16(data[IFLA_IPOIB_UMCAST]);
		rc = register_netdevice(ndev);
	}
	if (rc) {
		ipib_rn_release(ndev);
		return rc;
	}
	if (data && data[IFLA_IPOIB_MODE]) {
		rc = set_mode(dev, data[IFLA_IPOIB_MODE], extack);
		if (rc)
			unregister_netdevice(ndev);
	}
	return rc;
}

/* A parent belongs to its IB device: deleting it is ignored. */
static void ipib_nl_dellink(struct net_device *ndev, struct list_head *head)
{
	if (ipib_priv(ndev)->family.kind != IPIB_PARENT)
		unregister_netdevice_queue(ndev, head);
}

static size_t ipib_nl_get_size(const struct net_device *ndev)
{
	return nla_total_size(2) * 3;	/* PKEY, MODE, UMCAST */
}

static int ipib_nl_fill_info(struct sk_buff *skb,
			     const struct net_device *ndev)
{
	const struct ipib_dev *dev = ipib_priv(ndev);
	u16 mode = READ_ONCE(dev->mode) == IPIB_MODE_CONNECTED ?
		   IPOIB_MODE_CONNECTED : IPOIB_MODE_DATAGRAM;

	if (nla_put_u16(skb, IFLA_IPOIB_PKEY, READ_ONCE(dev->pkey) | 0x8000) ||
	    nla_put_u16(skb, IFLA_IPOIB_MODE, mode) ||
	    nla_put_u16(skb, IFLA_IPOIB_UMCAST, READ_ONCE(dev->umcast)))
		return -EMSGSIZE;
	return 0;
}

struct rtnl_link_ops ipib_link_ops __read_mostly = {
	.kind = "ipoib",
	.priv_size = sizeof(struct rdma_netdev),	/* ipib_rn_link_fit() */
	.setup = ipib_setup,
	.netns_refund = true,
	.maxtype = IFLA_IPOIB_MAX,
	.policy = ipib_policy,
	.validate = ipib_nl_validate,
	.newlink = ipib_nl_newlink,
	.changelink = ipib_nl_changelink,
	.dellink = ipib_nl_dellink,
	.get_size = ipib_nl_get_size,
	.fill_info = ipib_nl_fill_info,
	.get_num_tx_queues = ipib_rn_link_txqs,
	.get_num_rx_queues = ipib_rn_link_rxqs,
};

int ipib_netlink_init(void)
{
	return rtnl_link_register(&ipib_link_ops);
}

void ipib_netlink_uninit(void)
{
	rtnl_link_unregister(&ipib_link_ops);
}

MODULE_ALIAS_RTNL_LINK("ipoib");
