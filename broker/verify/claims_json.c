/* Claims -> the JSON object printed by `cocobroker verify` (lowercase hex). */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "internal.h"

static void add_hex(cJSON *o, const char *name, const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	hex_encode(buf, p, n);
	cJSON_AddStringToObject(o, name, buf);
}

static void add_tcb(cJSON *o, const char *name, const cb_snp_tcb *t)
{
	cJSON *j = cJSON_AddObjectToObject(o, name);
	if (!j)
		return;
	cJSON_AddNumberToObject(j, "bootloader", t->bootloader);
	cJSON_AddNumberToObject(j, "tee", t->tee);
	cJSON_AddNumberToObject(j, "snp", t->snp);
	cJSON_AddNumberToObject(j, "microcode", t->microcode);
	if (t->has_fmc)
		cJSON_AddNumberToObject(j, "fmc", t->fmc);
}

static void snp_json(cJSON *o, const cb_snp_claims *c)
{
	char policy[24];
	snprintf(policy, sizeof policy, "0x%llx", (unsigned long long)c->policy);
	cJSON_AddNumberToObject(o, "version", c->version);
	cJSON_AddStringToObject(o, "policy", policy);
	cJSON_AddBoolToObject(o, "debug", c->debug);
	cJSON_AddNumberToObject(o, "vmpl", c->vmpl);
	add_hex(o, "measurement", c->measurement, 48);
	add_hex(o, "host_data", c->host_data, 32);
	add_hex(o, "report_data", c->report_data, 64);
	add_hex(o, "chip_id", c->chip_id, 64);
	add_hex(o, "family_id", c->family_id, 16);
	add_hex(o, "image_id", c->image_id, 16);
	add_hex(o, "id_key_digest", c->id_key_digest, 48);
	add_hex(o, "author_key_digest", c->author_key_digest, 48);
	cJSON_AddNumberToObject(o, "guest_svn", c->guest_svn);
	cJSON_AddStringToObject(o, "signing_key", c->signed_by_vlek ? "vlek" : "vcek");
	cJSON_AddStringToObject(o, "product", cb_product_name(c->product));
	add_tcb(o, "reported_tcb", &c->reported_tcb);
	add_tcb(o, "current_tcb", &c->current_tcb);
	/* what a policy can also constrain (policy.h) */
	add_tcb(o, "committed_tcb", &c->committed_tcb);
	add_tcb(o, "launch_tcb", &c->launch_tcb);
	snprintf(policy, sizeof policy, "0x%llx", (unsigned long long)c->platform_info);
	cJSON_AddStringToObject(o, "platform_info", policy);
	char version[16];
	snprintf(version, sizeof version, "%u.%u.%u", c->current_major, c->current_minor, c->current_build);
	cJSON_AddStringToObject(o, "current_version", version);
	snprintf(version, sizeof version, "%u.%u.%u", c->committed_major, c->committed_minor, c->committed_build);
	cJSON_AddStringToObject(o, "committed_version", version);
}

static void tdx_json(cJSON *o, const cb_tdx_claims *c)
{
	cJSON_AddNumberToObject(o, "version", c->version);
	add_hex(o, "tee_tcb_svn", c->tee_tcb_svn, 16);
	add_hex(o, "mrseam", c->mrseam, 48);
	add_hex(o, "td_attributes", c->td_attributes, 8);
	cJSON_AddBoolToObject(o, "debug", c->debug);
	add_hex(o, "xfam", c->xfam, 8);
	add_hex(o, "mrtd", c->mrtd, 48);
	add_hex(o, "mrconfigid", c->mrconfigid, 48);
	add_hex(o, "mrowner", c->mrowner, 48);
	add_hex(o, "mrownerconfig", c->mrownerconfig, 48);
	static const char *rtmr[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	for (int i = 0; i < 4; i++)
		add_hex(o, rtmr[i], c->rtmr[i], 48);
	add_hex(o, "report_data", c->report_data, 64);
	add_hex(o, "fmspc", c->fmspc, 6);
	if (c->has_tcb_status)
		cJSON_AddStringToObject(o, "tcb_status", c->tcb_status);
	if (!c->has_event_log)
		return;
	/* what the replayed event log says ran, in the form a policy pins it */
	cJSON *log = cJSON_AddObjectToObject(o, "event_log"), *apps = log ? cJSON_AddArrayToObject(log, "kernel") : NULL;
	char hex[97];
	if (!apps)
		return;
	cJSON_AddNumberToObject(log, "events", c->n_events);
	for (uint32_t i = 0; i < c->n_apps; i++) {
		hex_encode(hex, c->apps[i], 48);
		cJSON_AddItemToArray(apps, cJSON_CreateString(hex));
	}
	if (c->has_initrd)
		add_hex(log, "initrd", c->initrd, 48);
	if (c->has_cmdline)
		add_hex(log, "cmdline", c->cmdline, 48);
	if (c->unpinned_event[0])
		cJSON_AddStringToObject(log, "unpinned_event", c->unpinned_event);
}

char *cb_claims_to_json(const cb_claims *c)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "provider", c->provider == CB_PROVIDER_SNP ? "sev_guest" : "tdx_guest");
	if (c->provider == CB_PROVIDER_SNP)
		snp_json(o, &c->snp);
	else
		tdx_json(o, &c->tdx);
	if (c->provider == CB_PROVIDER_TDX)
		cJSON_AddBoolToObject(o, "collateral_checked", c->collateral_checked);
	else
		cJSON_AddBoolToObject(o, "crl_checked", c->crl_checked);
	if (c->test_root)
		cJSON_AddBoolToObject(o, "test_root", true);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
