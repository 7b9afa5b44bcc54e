/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP over InfiniBand: SR-IOV virtual function settings, handed to the HCA
 * (ipoib_vf.c).
 */
#ifndef _IPIB_IPOIB_VF_H
#define _IPIB_IPOIB_VF_H

#include <linux/if_link.h>
#include <linux/netdevice.h>

int ipib_set_vf_link_state(struct net_device *ndev, int vf, int state);
int ipib_set_vf_guid(struct net_device *ndev, int vf, u64 guid, int type);
int ipib_get_vf_config(struct net_device *ndev, int vf,
		       struct ifla_vf_info *ivf);
int ipib_get_vf_guid(struct net_device *ndev, int vf,
		     struct ifla_vf_guid *node_guid,
		     struct ifla_vf_guid *port_guid);
int ipib_get_vf_stats(struct net_device *ndev, int vf,
		      struct ifla_vf_stats *stats);

#endif /* _IPIB_IPOIB_VF_H */
