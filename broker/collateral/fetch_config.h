/*
 * The "collateral_fetch" object of the broker configuration: where the
 * endorsements come from (AMD KDS, Intel PCS or a caching PCCS), for which
 * products, chips and platforms, and how often `serve` refreshes them.
 * Unknown keys are errors, like in the rest of the configuration.
 *
 *   "collateral_fetch": {
 *     "amd_kds_url": "https://kdsintf.amd.com",
 *     "intel_pcs_url": "https://api.trustedservices.intel.com",
 *     "intel_root_crl_url": "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
 *     "ca_file": "/etc/ssl/certs/ca-certificates.crt",
 *     "snp_products": ["Milan", "Genoa"],  "snp_vlek": false,
 *     "snp_chips": [{"product": "Milan", "chip_id": "<128 hex>", "reported_tcb": "<16 hex>"}],
 *     "tdx_fmspcs": ["50806f000000"],  "pck_crl_cas": ["platform", "processor"],
 *     "refresh_seconds": 86400, "expiry_warning_days": 7, "timeout_seconds": 30
 *   }
 */
#ifndef COCOBOOT_BROKER_COLLATERAL_FETCH_CONFIG_H
#define COCOBOOT_BROKER_COLLATERAL_FETCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define FETCH_MAX_LIST 256

struct snp_chip {
	char product[8];           /* "Milan", "Genoa", "Turin" */
	uint8_t chip_id[64];
	uint64_t reported_tcb;     /* the report's REPORTED_TCB, raw */
};

struct collateral_fetch_config {
	char *amd_kds_url, *intel_pcs_url, *intel_root_crl_url, *ca_file;
	char *snp_products[FETCH_MAX_LIST];
	size_t n_snp_products;
	int snp_vlek;
	struct snp_chip *snp_chips;
	size_t n_snp_chips;
	char tdx_fmspcs[FETCH_MAX_LIST][13];
	size_t n_tdx_fmspcs;
	char *pck_crl_cas[2];
	size_t n_pck_crl_cas;
	int refresh_seconds, expiry_warning_days, timeout_seconds;
};

/* Defaults only (no product, chip or FMSPC): 0 or -1 (out of memory). */
int fetch_config_defaults(struct collateral_fetch_config *fc);
/* Parse the object; *out newly allocated.  0, or -1 with a one-line reason. */
int fetch_config_parse(const cJSON *obj, struct collateral_fetch_config **out, char *err, size_t errlen);
void fetch_config_free(struct collateral_fetch_config *fc);

/* Lists grow by these (the command line's --snp-chip / --fmspc, the chips
 * and platforms found on disk); duplicates are ignored.  0 or -1 (full,
 * bad value, out of memory). */
int fetch_config_add_product(struct collateral_fetch_config *fc, const char *product);
int fetch_config_add_fmspc(struct collateral_fetch_config *fc, const char *fmspc_hex);
int fetch_config_add_chip(struct collateral_fetch_config *fc, const struct snp_chip *chip);

/* "Milan" for "milan"/"Milan-B0"...; NULL when not an SNP product. */
const char *snp_product_canonical(const char *name);

#endif
