/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softib embedded subnet administrator: pure MAD logic (PathRecord,
 * MCMemberRecord, ClassPortInfo) with no ib_device, QP or debugfs knowledge.
 */
#ifndef _SOFTIB_SA_H
#define _SOFTIB_SA_H

#include <linux/types.h>
#include <rdma/ib_verbs.h>

struct seq_file;

#define SIB_MAD_SIZE 256

/* Q_Key of the IPoIB broadcast groups the SA pre-creates (RFC 4391). */
#define SIB_SA_IPOIB_QKEY 0x0b1b

/* MLID of the default (0xffff) partition's broadcast group. */
#define SIB_SA_DEFAULT_MLID 0xc000

/* MAD status values of SA errors (IBA 15.2.1.1, bits 8..14). */
#define SIB_SA_STATUS_NO_RESOURCES	0x0100
#define SIB_SA_STATUS_NO_RECORDS	0x0300

struct sib_sa;

/**
 * struct sib_sa_port - what the SA needs to know about a fabric endpoint
 * @gid: GID index 0 (fe80::/64 + port GUID)
 * @port_guid: the port GUID in CPU order
 * @lid: base LID (0 = not assigned yet)
 * @lmc: LID mask control
 * @mtu: active MTU
 * @rate: static rate of the link
 * @sl: service level used for paths from this port
 * @active: link is up
 * @pkeys: P_Key table (0 = empty slot)
 * @npkeys: number of valid entries in @pkeys
 */
struct sib_sa_port {
	union ib_gid gid;
	u64 port_guid;
	u16 lid;
	u8 lmc;
	enum ib_mtu mtu;
	enum ib_rate rate;
	u8 sl;
	bool active;
	u16 pkeys[16];
	unsigned int npkeys;
};

/**
 * struct sib_sa_fabric_ops - endpoint lookups answered by the fabric
 * @port_by_gid: fill @out for the port owning @gid; 0 or -ENOENT
 * @port_by_lid: fill @out for the port owning @lid; 0 or -ENOENT
 *
 * The SA never calls these with its own mutex held, so the fabric may take
 * its locks inside them and may call the SA with those locks held.
 */
struct sib_sa_fabric_ops {
	int (*port_by_gid)(void *ctx, const union ib_gid *gid,
			   struct sib_sa_port *out);
	int (*port_by_lid)(void *ctx, u16 lid, struct sib_sa_port *out);
};

struct sib_sa *sib_sa_create(const struct sib_sa_fabric_ops *ops, void *ctx,
			     enum ib_mtu mtu, enum ib_rate rate);
void sib_sa_destroy(struct sib_sa *sa);

int sib_sa_partition_add(struct sib_sa *sa, u16 pkey);
void sib_sa_partition_del(struct sib_sa *sa, u16 pkey);

int sib_sa_process(struct sib_sa *sa, const struct sib_sa_port *src,
		   const void *req, void *resp);

int sib_sa_reject(const void *req, void *resp, u16 status);

int sib_sa_set_bcast_mtu(struct sib_sa *sa, u16 pkey, int code);
void sib_sa_dump_bcast_mtu(struct sib_sa *sa, struct seq_file *m);

void sib_sa_restart(struct sib_sa *sa);
void sib_sa_port_down(struct sib_sa *sa, const union ib_gid *gid);
void sib_sa_set_sm_lid(struct sib_sa *sa, u16 sm_lid);

void sib_sa_dump_groups(struct sib_sa *sa, struct seq_file *m);

int sib_sa_selftest(void);

#endif /* _SOFTIB_SA_H */
