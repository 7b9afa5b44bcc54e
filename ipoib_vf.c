// SPDX-License-Identifier: GPL-2.0
/*
 * SR-IOV virtual functions: `ip link set ibX vf N state ...` and
 * `... vf N node_guid/port_guid ...`.  The HCA owns its VFs, so each
 * setting is handed to it for the interface's port (a child's is its
 * parent's); the HCA checks the VF number.  A device without VF support
 * answers -EOPNOTSUPP (ib_core), which rtnetlink returns to the user.
 *
 * rtnetlink reads VF settings back (ip link show: get_vf_config, _guid,
 * _stats) only for a PCI device that has VFs enabled; these calls are
 * forwarded the same way.
 */
#include <rdma/ib_verbs.h>

#include "ipoib.h"
#include "ipoib_vf.h"

/**
 * ipib_set_vf_link_state - ndo_set_vf_link_state
 * @ndev: the interface
 * @vf: VF number
 * @state: IFLA_VF_LINK_STATE_AUTO, _ENABLE or _DISABLE
 *
 * Return: 0, -EINVAL for another state, or the HCA's answer.
 */
int ipib_set_vf_link_state(struct net_device *ndev, int vf, int state)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	switch (state) {
	case IFLA_VF_LINK_STATE_AUTO:
	case IFLA_VF_LINK_STATE_ENABLE:
	case IFLA_VF_LINK_STATE_DISABLE:
		break;
	default:
		netdev_dbg(ndev, "VF %d: link state %d is none of auto, enable, disable\n",
			   vf, state);
		return -EINVAL;
	}
	return ib_set_vf_link_state(dev->ca, vf, dev->port, state);
}

/**
 * ipib_set_vf_guid - ndo_set_vf_guid: a VF's node or port GUID
 * @ndev: the interface
 * @vf: VF number
 * @guid: the GUID (host order, as rtnetlink passes it)
 * @type: IFLA_VF_IB_NODE_GUID or IFLA_VF_IB_PORT_GUID
 *
 * Return: 0, -EINVAL for another type, or the HCA's answer.
 */
int ipib_set_vf_guid(struct net_device *ndev, int vf, u64 guid, int type)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	if (type != IFLA_VF_IB_NODE_GUID && type != IFLA_VF_IB_PORT_GUID)
		return -EINVAL;
	return ib_set_vf_guid(dev->ca, vf, dev->port, guid, type);
}

int ipib_get_vf_config(struct net_device *ndev, int vf,
		       struct ifla_vf_info *ivf)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	return ib_get_vf_config(dev->ca, vf, dev->port, ivf);
}

int ipib_get_vf_guid(struct net_device *ndev, int vf,
		     struct ifla_vf_guid *node_guid,
		     struct ifla_vf_guid *port_guid)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	return ib_get_vf_guid(dev->ca, vf, dev->port, node_guid, port_guid);
}

int ipib_get_vf_stats(struct net_device *ndev, int vf,
		      struct ifla_vf_stats *stats)
{
	struct ipib_dev *dev = ipib_priv(ndev);

	return ib_get_vf_stats(dev->ca, vf, dev->port, stats);
}
