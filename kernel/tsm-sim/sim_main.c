// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_sim: TEST-ONLY configfs-tsm provider. It registers with tsm_register()
 * under the same provider name as the real driver of the chosen format
 * ("sev_guest" or "tdx_guest", the KBUILD_MODNAME of sev-guest.ko and
 * tdx-guest.ko), so userspace sees exactly what it would on hardware.
 * Key material arrives at load time from a file named by material=
 * (build/keys/{snp,tdx}/tsm-sim.material);
 * nothing secret is compiled in. See docs/simulated-provider.md.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/hash.h>
#include "sim.h"

static char *format = "sev_guest";
module_param(format, charp, 0444);
MODULE_PARM_DESC(format, "sev_guest (SEV-SNP report v3) or tdx_guest (TDX quote v4)");

static char *measurement;
module_param(measurement, charp, 0444);
MODULE_PARM_DESC(measurement, "hex, 48 bytes: SNP MEASUREMENT or TDX MRTD (default: bytes 00 01 .. 2f)");
static char *rtmr;
module_param(rtmr, charp, 0444);
MODULE_PARM_DESC(rtmr, "hex, 192 bytes: TDX RTMR0..3 (default zero), e.g. an event log's replay");
static char *host_data;
module_param(host_data, charp, 0444);
MODULE_PARM_DESC(host_data, "hex, 32 bytes: SNP HOST_DATA (default zero)");
static char *mrconfigid;
module_param(mrconfigid, charp, 0444);
MODULE_PARM_DESC(mrconfigid, "hex, 48 bytes: TDX MRCONFIGID (default zero)");
static bool debug;
module_param(debug, bool, 0444);
MODULE_PARM_DESC(debug, "set the debug bit (SNP policy bit 19, TD attributes bit 0)");
static bool bad_signature;
module_param(bad_signature, bool, 0444);
MODULE_PARM_DESC(bad_signature, "flip one bit of every quote/report signature");
static unsigned int fail_first;
module_param(fail_first, uint, 0444);
MODULE_PARM_DESC(fail_first, "fail the first N report requests with fail_errno");
static char *fail_errno = "EBUSY";
module_param(fail_errno, charp, 0444);
MODULE_PARM_DESC(fail_errno, "EBUSY or EAGAIN");
/* Evidence faults for the fault-injection tests (tests/faults/): a provider
 * (or a host meddling with it) that hands back a cut or nonsensical blob. */
static unsigned int short_outblob;
module_param(short_outblob, uint, 0444);
MODULE_PARM_DESC(short_outblob, "cut every outblob to N bytes (0: off)");
static bool garbage_outblob;
module_param(garbage_outblob, bool, 0444);
MODULE_PARM_DESC(garbage_outblob, "overwrite every outblob with a fixed non-report byte pattern (same length)");

static char *material;
module_param(material, charp, 0444);
MODULE_PARM_DESC(material, "path of the key material file (keys, certificates, chip/TCB identity)");

/* Overrides of the identity in the material file; -1 / unset = take the file's. */
static char *chip_id;
module_param(chip_id, charp, 0444);
MODULE_PARM_DESC(chip_id, "hex, 64 bytes: CHIP_ID (= the VCEK hwID)");
static int tcb_bl = -1, tcb_tee = -1, tcb_snp = -1, tcb_ucode = -1;
module_param(tcb_bl, int, 0444);
module_param(tcb_tee, int, 0444);
module_param(tcb_snp, int, 0444);
module_param(tcb_ucode, int, 0444);
MODULE_PARM_DESC(tcb_ucode, "TCB SPLs (bl, tee, snp, ucode) for all TCB fields of the report");

static unsigned long long policy = 0x30000;
module_param(policy, ullong, 0444);
MODULE_PARM_DESC(policy, "SNP guest policy (default 0x30000: SMT allowed, bit 17 set)");
static unsigned int guest_svn = 1;
module_param(guest_svn, uint, 0444);
static unsigned long long td_attributes = 0x10000000;
module_param(td_attributes, ullong, 0444);
MODULE_PARM_DESC(td_attributes, "TD attributes (default 0x10000000: SEPT_VE_DISABLE)");
static unsigned long long xfam = 0x642e7;
module_param(xfam, ullong, 0444);

#define SNP_POLICY_DEBUG	(1ULL << 19)
#define TD_ATTR_DEBUG		(1ULL << 0)

static struct sim_state *sim;

int sim_digest(struct crypto_shash *tfm, const void *data, size_t len, u8 *out)
{
	return crypto_shash_tfm_digest(tfm, data, len, out);
}

static int sim_report_new(struct tsm_report *report, void *data)
{
	struct sim_state *st = data;
	int n = atomic_inc_return(&st->requests);
	int rc;

	/* Same contract as the real drivers: exactly 64 bytes of report data. */
	if (report->desc.inblob_len != TSM_INBLOB_MAX)
		return -EINVAL;
	if (report->desc.service_provider)
		return -EINVAL;
	if (atomic_dec_if_positive(&st->fail_left) >= 0) {
		pr_info("tsm_sim: request %d: injected -%s\n", n,
			st->fail_errno == EBUSY ? "EBUSY" : "EAGAIN");
		return -st->fail_errno;
	}
	rc = st->tdx ? sim_tdx_quote(st, report) : sim_snp_report(st, report);
	if (rc)
		return rc;
	if (garbage_outblob) {
		u8 *p = report->outblob;
		size_t i;

		/* Deterministic, so the verifier's answer is too (SNP: version 0x025bb40d). */
		for (i = 0; i < report->outblob_len; i++)
			p[i] = (u8)(i * 167 + 13);
	}
	if (short_outblob && short_outblob < report->outblob_len)
		report->outblob_len = short_outblob;
	return 0;
}

/* Attribute visibility copied from the real drivers (sev-guest without SVSM, tdx-guest). */
static bool snp_attr_visible(int n)
{
	return n == TSM_REPORT_GENERATION || n == TSM_REPORT_PROVIDER ||
	       n == TSM_REPORT_PRIVLEVEL || n == TSM_REPORT_PRIVLEVEL_FLOOR;
}

static bool snp_bin_attr_visible(int n)
{
	return n == TSM_REPORT_INBLOB || n == TSM_REPORT_OUTBLOB || n == TSM_REPORT_AUXBLOB;
}

static bool tdx_attr_visible(int n)
{
	return n == TSM_REPORT_GENERATION || n == TSM_REPORT_PROVIDER;
}

static bool tdx_bin_attr_visible(int n)
{
	return n == TSM_REPORT_INBLOB || n == TSM_REPORT_OUTBLOB;
}

static const struct tsm_ops snp_ops = {
	.name = "sev_guest",
	.report_new = sim_report_new,
	.report_attr_visible = snp_attr_visible,
	.report_bin_attr_visible = snp_bin_attr_visible,
};

static const struct tsm_ops tdx_ops = {
	.name = "tdx_guest",
	.report_new = sim_report_new,
	.report_attr_visible = tdx_attr_visible,
	.report_bin_attr_visible = tdx_bin_attr_visible,
};

static int load_measurement(u8 *out)
{
	int i;

	if (measurement)
		return sim_hex_exact("measurement", measurement, out, 48);
	for (i = 0; i < 48; i++)
		out[i] = i;
	return 0;
}

/* A parameter given at load time wins over the material file, which wins over the default. */
static int pick(int param, const struct sim_material *m, int field, int fallback)
{
	if (param != -1)
		return param;	/* range-checked by the caller, negatives included */
	return m->num[field] >= 0 ? m->num[field] : fallback;
}

static int load_snp(struct sim_state *st, const struct sim_material *m)
{
	struct sim_snp *snp = &st->snp;
	const char *chip = chip_id ? chip_id : m->text[SIM_MAT_CHIP_ID];
	u8 *vcek = NULL, *ask = NULL, *ark = NULL;
	size_t vcek_len, ask_len, ark_len;
	int bl = pick(tcb_bl, m, SIM_MAT_TCB_BL, 3), tee = pick(tcb_tee, m, SIM_MAT_TCB_TEE, 0);
	int spl_snp = pick(tcb_snp, m, SIM_MAT_TCB_SNP, 8);
	int ucode = pick(tcb_ucode, m, SIM_MAT_TCB_UCODE, 115);
	int rc;

	if ((unsigned int)bl > 255 || (unsigned int)tee > 255 || (unsigned int)spl_snp > 255 ||
	    (unsigned int)ucode > 255) {
		pr_err("tsm_sim: tcb_* values are 8-bit SPLs\n");
		return -EINVAL;
	}
	rc = sim_key_load("snp_vcek_key", m->text[SIM_MAT_SNP_VCEK_KEY], ECC_CURVE_NIST_P384,
			  ECC_CURVE_NIST_P384_DIGITS, &snp->vcek);
	if (!rc)
		rc = load_measurement(snp->measurement);
	if (!rc && host_data)
		rc = sim_hex_exact("host_data", host_data, snp->host_data, 32);
	if (!rc && chip)
		rc = sim_hex_exact("chip_id", chip, snp->chip_id, 64);
	if (!rc)
		rc = sim_hex_alloc("snp_vcek", m->text[SIM_MAT_SNP_VCEK], &vcek, &vcek_len);
	if (!rc)
		rc = sim_hex_alloc("snp_ask", m->text[SIM_MAT_SNP_ASK], &ask, &ask_len);
	if (!rc)
		rc = sim_hex_alloc("snp_ark", m->text[SIM_MAT_SNP_ARK], &ark, &ark_len);
	if (!rc)
		rc = sim_snp_certs(snp, vcek, vcek_len, ask, ask_len, ark, ark_len);
	kfree(vcek);
	kfree(ask);
	kfree(ark);
	if (rc)
		return rc;
	snp->policy = policy | (debug ? SNP_POLICY_DEBUG : 0);
	snp->guest_svn = guest_svn;
	/* Milan/Genoa TCB_VERSION: byte 0 BL, 1 TEE, 6 SNP, 7 microcode. */
	snp->tcb = (u64)bl | (u64)tee << 8 | (u64)spl_snp << 48 | (u64)ucode << 56;
	return 0;
}

static int load_tdx(struct sim_state *st, const struct sim_material *m)
{
	struct sim_tdx *q = &st->tdx_q;
	u8 *pem = NULL;
	size_t pem_len;
	int rc;

	rc = sim_key_load("tdx_ak_key", m->text[SIM_MAT_TDX_AK_KEY], ECC_CURVE_NIST_P256,
			  ECC_CURVE_NIST_P256_DIGITS, &q->ak);
	if (!rc)
		rc = sim_key_load("tdx_pck_key", m->text[SIM_MAT_TDX_PCK_KEY], ECC_CURVE_NIST_P256,
				  ECC_CURVE_NIST_P256_DIGITS, &q->pck);
	if (!rc)
		rc = load_measurement(q->mrtd);
	if (!rc && mrconfigid)
		rc = sim_hex_exact("mrconfigid", mrconfigid, q->mrconfigid, 48);
	if (!rc && rtmr)
		rc = sim_hex_exact("rtmr", rtmr, &q->rtmr[0][0], sizeof(q->rtmr));
	if (!rc && m->text[SIM_MAT_TDX_CPUSVN])
		rc = sim_hex_exact("tdx_cpusvn", m->text[SIM_MAT_TDX_CPUSVN], q->cpusvn, 16);
	if (!rc)
		rc = sim_hex_alloc("tdx_pck_chain", m->text[SIM_MAT_TDX_PCK_CHAIN], &pem, &pem_len);
	if (rc)
		return rc;
	/* Real quotes count a trailing NUL in the PEM size; so does this one. */
	q->pck_chain = krealloc(pem, pem_len + 1, GFP_KERNEL);
	if (!q->pck_chain) {
		kfree(pem);
		return -ENOMEM;
	}
	q->pck_chain[pem_len] = 0;
	q->pck_chain_len = pem_len + 1;
	q->td_attributes = td_attributes | (debug ? TD_ATTR_DEBUG : 0);
	q->xfam = xfam;
	return 0;
}

static void sim_free(struct sim_state *st)
{
	if (!st)
		return;
	if (!IS_ERR_OR_NULL(st->sha256))
		crypto_free_shash(st->sha256);
	if (!IS_ERR_OR_NULL(st->sha384))
		crypto_free_shash(st->sha384);
	kfree(st->snp.certs);
	kfree(st->tdx_q.pck_chain);
	kfree_sensitive(st);
}

static int __init tsm_sim_init(void)
{
	struct sim_material mat;
	struct sim_state *st;
	int rc;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	if (!strcmp(format, "tdx_guest")) {
		st->tdx = true;
	} else if (strcmp(format, "sev_guest")) {
		pr_err("tsm_sim: format=%s: want sev_guest or tdx_guest\n", format);
		rc = -EINVAL;
		goto fail;
	}
	if (!strcmp(fail_errno, "EBUSY")) {
		st->fail_errno = EBUSY;
	} else if (!strcmp(fail_errno, "EAGAIN")) {
		st->fail_errno = EAGAIN;
	} else {
		pr_err("tsm_sim: fail_errno=%s: want EBUSY or EAGAIN\n", fail_errno);
		rc = -EINVAL;
		goto fail;
	}
	atomic_set(&st->fail_left, fail_first);
	st->bad_signature = bad_signature;
	st->sha256 = crypto_alloc_shash("sha256", 0, 0);
	st->sha384 = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(st->sha256) || IS_ERR(st->sha384)) {
		pr_err("tsm_sim: sha256/sha384 not available\n");
		rc = -ENOENT;
		goto fail;
	}
	rc = sim_material_load(material, &mat);
	if (rc)
		goto fail;
	rc = st->tdx ? load_tdx(st, &mat) : load_snp(st, &mat);
	sim_material_free(&mat);
	if (rc)
		goto fail;
	rc = tsm_register(st->tdx ? &tdx_ops : &snp_ops, st);
	if (rc) {
		pr_err("tsm_sim: tsm_register failed (%d): another provider is active\n", rc);
		goto fail;
	}
	sim = st;
	pr_warn("tsm_sim: TEST-ONLY provider \"%s\" registered%s%s%s%s%s\n", format,
		debug ? ", debug" : "", bad_signature ? ", bad signatures" : "",
		fail_first ? ", injecting transient failures" : "",
		garbage_outblob ? ", garbage outblobs" : "", short_outblob ? ", short outblobs" : "");
	return 0;
fail:
	sim_free(st);
	return rc;
}

static void __exit tsm_sim_exit(void)
{
	tsm_unregister(sim->tdx ? &tdx_ops : &snp_ops);
	sim_free(sim);
}

module_init(tsm_sim_init);
module_exit(tsm_sim_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TEST-ONLY simulated SEV-SNP/TDX configfs-tsm provider");
