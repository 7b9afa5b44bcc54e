/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SOFTIB_PHANTOM_H
#define _SOFTIB_PHANTOM_H

#include <linux/types.h>

struct dentry;
struct sib_pkt;
struct sib_sa_port;
union ib_gid;

#define SIB_PHANTOM_MAX		4096
#define SIB_PHANTOM_LID		0x9000
#define SIB_PHANTOM_GUID	0x5048414e00000000ULL	/* "PHAN" */

int sib_phantom_by_gid(const union ib_gid *gid, struct sib_sa_port *out);
int sib_phantom_by_lid(u16 lid, struct sib_sa_port *out);
bool sib_phantom_rx(const struct sib_pkt *pkt);
void sib_phantom_debugfs(struct dentry *fabric_dir);

#endif /* _SOFTIB_PHANTOM_H */
