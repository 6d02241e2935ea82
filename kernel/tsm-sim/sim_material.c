// SPDX-License-Identifier: GPL-2.0-only
/*
 * The key material file: how keys and certificates reach tsm_sim at load time
 * (module string parameters stop at 1024 characters, too short for a
 * certificate). Text, whitespace-separated NAME=VALUE fields, values hex or
 * decimal; keys/gen-test-keys.sh writes it as build/keys/{snp,tdx}/tsm-sim.material.
 */
#include <linux/kernel.h>
#include <linux/kernel_read_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "sim.h"

#define MATERIAL_MAX (256 * 1024)

static const char *const text_fields[SIM_MAT_TEXT_COUNT] = {
	[SIM_MAT_SNP_VCEK_KEY] = "snp_vcek_key",
	[SIM_MAT_SNP_VCEK] = "snp_vcek",
	[SIM_MAT_SNP_ASK] = "snp_ask",
	[SIM_MAT_SNP_ARK] = "snp_ark",
	[SIM_MAT_CHIP_ID] = "chip_id",
	[SIM_MAT_TDX_AK_KEY] = "tdx_ak_key",
	[SIM_MAT_TDX_PCK_KEY] = "tdx_pck_key",
	[SIM_MAT_TDX_PCK_CHAIN] = "tdx_pck_chain",
	[SIM_MAT_TDX_CPUSVN] = "tdx_cpusvn",
};

static const char *const int_fields[SIM_MAT_INT_COUNT] = {
	[SIM_MAT_TCB_BL] = "tcb_bl",
	[SIM_MAT_TCB_TEE] = "tcb_tee",
	[SIM_MAT_TCB_SNP] = "tcb_snp",
	[SIM_MAT_TCB_UCODE] = "tcb_ucode",
};

static int set_field(struct sim_material *m, char *tok)
{
	char *val = strchr(tok, '=');
	int i;

	if (!val) {
		pr_err("tsm_sim: material: '%.32s' is not NAME=VALUE\n", tok);
		return -EINVAL;
	}
	*val++ = '\0';
	for (i = 0; i < SIM_MAT_TEXT_COUNT; i++)
		if (!strcmp(tok, text_fields[i])) {
			m->text[i] = val;
			return 0;
		}
	for (i = 0; i < SIM_MAT_INT_COUNT; i++)
		if (!strcmp(tok, int_fields[i])) {
			if (kstrtoint(val, 0, &m->num[i]) || m->num[i] < 0) {
				pr_err("tsm_sim: material: %s=%.32s is not a number\n", tok, val);
				return -EINVAL;
			}
			return 0;
		}
	pr_err("tsm_sim: material: unknown field '%.32s'\n", tok);
	return -EINVAL;
}

int sim_material_load(const char *path, struct sim_material *m)
{
	void *raw = NULL;
	size_t size = 0;
	ssize_t n;
	char *cur, *tok;
	int i, rc = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < SIM_MAT_INT_COUNT; i++)
		m->num[i] = -1;
	if (!path || !*path) {
		pr_err("tsm_sim: material=PATH is required (see docs/simulated-provider.md)\n");
		return -EINVAL;
	}
	n = kernel_read_file_from_path(path, 0, &raw, MATERIAL_MAX, &size, READING_FIRMWARE);
	if (n < 0) {
		pr_err("tsm_sim: material: cannot read %s (%zd)\n", path, n);
		return n;
	}
	m->buf = kmalloc(n + 1, GFP_KERNEL);
	if (!m->buf) {
		vfree(raw);
		return -ENOMEM;
	}
	memcpy(m->buf, raw, n);
	m->buf[n] = '\0';
	vfree(raw);
	cur = m->buf;
	while (!rc && (tok = strsep(&cur, " \t\r\n")))
		if (*tok)
			rc = set_field(m, tok);
	if (rc)
		sim_material_free(m);
	return rc;
}

void sim_material_free(struct sim_material *m)
{
	kfree_sensitive(m->buf);
	m->buf = NULL;
}
