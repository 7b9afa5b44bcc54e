/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softib subnet management agent (SMA) and modelled switch, used with the
 * module parameter sm=external: an external SM (OpenSM through ib_umad)
 * discovers the fabric with SMPs on QP0 and configures it.
 */
#ifndef _SOFTIB_SMP_H
#define _SOFTIB_SMP_H

#include <linux/types.h>
#include <rdma/ib_smi.h>
#include <rdma/ib_verbs.h>

struct seq_file;
struct sib_port;
struct sib_pkt;

enum sib_sm_mode {
	SIB_SM_EMBEDDED,		/* fabric.c assigns LIDs, sa.c answers */
	SIB_SM_EXTERNAL,		/* an SM on QP0 does; smp.c answers it */
};

#define SIB_SW_MAX_PORTS	64	/* SIB_MAX_DEVICES * SIB_MAX_PORTS */
#define SIB_SW_LFT_CAP		0xc000	/* LinearFDBCap: every unicast LID */
#define SIB_SW_MFT_CAP		512	/* MulticastFDBCap */
#define SIB_SW_MFT_POS		5	/* 16-port masks per MLID: ports 0..79 */

/*
 * What PortInfo reports of one port and what an SM may set in it.  An
 * HCA port's copy is under its sib_port.lock, the switch's under
 * sib_switch.lock.  (An HCA port's LID is sib_port.lid.)
 */
struct sib_sma_port {
	u64 mkey;
	unsigned long lease_end;	/* jiffies the M_Key lease ends, 0: none */
	u16 mkey_lease;			/* M_KeyLeasePeriod, seconds (0: never) */
	u16 mkey_violations;		/* M_KeyViolations */
	u8 mkey_prot;			/* M_KeyProtectBits */
	u16 sm_lid;			/* MasterSMLID */
	u8 state;			/* enum ib_port_state (logical) */
	bool phys_up;			/* PortPhysicalState LinkUp */
	u8 sm_sl;
	u8 neighbor_mtu;		/* enum ib_mtu */
	u8 op_vls;			/* OperationalVLs */
	u8 subnet_timeout;
	u8 vl_high_limit;
	u8 lwe;				/* LinkWidthEnabled */
	u8 lse;				/* LinkSpeedEnabled */
};

/* The fields of a PortInfo that do not come from struct sib_sma_port */
struct sib_pi_view {
	u16 lid;
	u32 cap;			/* CapabilityMask */
	u8 local_port;
	u8 width;			/* LinkWidthActive */
	u8 guid_cap;
};

/* sib_smp_mkey_check() */
enum sib_mkey_result {
	SIB_MKEY_OK,			/* process it */
	SIB_MKEY_HIDE,			/* process it, answer M_Key 0 */
	SIB_MKEY_DROP,			/* a violation: no answer */
};

/* smp.c */
void sib_sma_port_init(struct sib_sma_port *s);
enum sib_mkey_result sib_smp_mkey_check(struct sib_sma_port *s,
					const struct ib_smp *smp);
void sib_smp_hide_mkey(struct ib_smp *smp, enum sib_mkey_result res);
void sib_smp_to_lid(struct ib_smp *smp, u16 slid, u16 dlid);
void sib_smp_fill_pi(struct ib_port_info *pi, const struct sib_sma_port *s,
		     const struct sib_pi_view *v);
int sib_smp_set_pi(struct sib_sma_port *s, const struct ib_port_info *pi);
void sib_smp_reply(struct ib_smp *smp, u16 status);
bool sib_smp_is_request(const struct ib_smp *smp);
u16 sib_smp_vl_tables(struct ib_smp *smp);
void sib_smp_send(struct sib_pkt *pkt);
int sib_process_mad(struct ib_device *ibdev, int flags, u32 port_num,
		    const struct ib_wc *in_wc, const struct ib_grh *in_grh,
		    const struct ib_mad *in, struct ib_mad *out,
		    size_t *out_size, u16 *out_pkey_index);

/* switch.c */
int sib_switch_create(void);
void sib_switch_destroy(void);
u8 sib_switch_port_of(const struct sib_port *port);
void sib_switch_link(const struct sib_port *port, bool up);
u16 sib_switch_lid(void);
int sib_switch_dr(struct ib_smp *smp, u8 in_port);
int sib_switch_answer(struct ib_smp *smp, u8 in_port);
void sib_switch_repress(const struct ib_smp *smp);
bool sib_switch_mroutes(const struct sib_port *sport,
			const struct sib_port *dport, u16 mlid);
int sib_switch_mft_set(u16 mlid, char *ports);
void sib_switch_mft_show(struct seq_file *m);
bool sib_switch_routes(const struct sib_port *sport,
		       const struct sib_port *dport, u16 dlid);
int sib_switch_lft_set(u16 lid, u8 port);
void sib_switch_lft_show(struct seq_file *m);

#endif /* _SOFTIB_SMP_H */
