/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softib's vendor offload path for IPoIB (rdma_netdev, "enhanced IPoIB"):
 * what the rest of softib sees of it.
 */
#ifndef _SOFTIB_RNETDEV_H
#define _SOFTIB_RNETDEV_H

#include <rdma/ib_verbs.h>

struct sib_qp;
struct sib_pkt;

/* ib_device_ops.rdma_netdev_get_params (answers only with enhanced=1) */
extern const struct ib_device_ops sib_rn_dev_ops;

void sib_rn_rx(struct sib_qp *qp, struct sib_pkt *pkt);

#endif /* _SOFTIB_RNETDEV_H */
