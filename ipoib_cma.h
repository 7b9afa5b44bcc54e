/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP over InfiniBand: the services other kernel subsystems ask of an
 * interface (ipoib_cma.c).
 */
#ifndef _IPIB_IPOIB_CMA_H
#define _IPIB_IPOIB_CMA_H

#include <linux/netdevice.h>
#include <linux/socket.h>
#include <rdma/ib_verbs.h>

struct net_device *ipib_get_net_dev_by_params(struct ib_device *ca, u32 port,
					      u16 pkey,
					      const union ib_gid *gid,
					      const struct sockaddr *addr,
					      void *client_data);
int ipib_set_mac_address(struct net_device *ndev, void *p);

#endif /* _IPIB_IPOIB_CMA_H */
