/*
 * QEMU CPU model names -> the CPUID signature the VMM puts in RDX of every
 * initial VMSA (QEMU target/i386/cpu.c builtin_x86_defs: family, model,
 * stepping). The versioned aliases (-vN) keep their base model's signature.
 */
#include <stddef.h>
#include <strings.h>

#include "measure.h"

uint32_t cpu_sig(unsigned family, unsigned model, unsigned stepping)
{
	unsigned fam_lo = family, fam_hi = 0;
	/* Families above 15 are 0xf plus the extended family. */
	if (family > 0xf) {
		fam_lo = 0xf;
		fam_hi = (family - 0xf) & 0xff;
	}
	return fam_hi << 20 | ((model >> 4) & 0xf) << 16 | fam_lo << 8 | (model & 0xf) << 4 | (stepping & 0xf);
}

struct cpu_type {
	const char *name;
	unsigned family, model, stepping;
};

static const struct cpu_type types[] = {
	{ "EPYC", 23, 1, 2 },          { "EPYC-v1", 23, 1, 2 },      { "EPYC-v2", 23, 1, 2 },
	{ "EPYC-IBPB", 23, 1, 2 },     { "EPYC-v3", 23, 1, 2 },      { "EPYC-v4", 23, 1, 2 },
	{ "EPYC-v5", 23, 1, 2 },
	{ "EPYC-Rome", 23, 49, 0 },    { "EPYC-Rome-v1", 23, 49, 0 }, { "EPYC-Rome-v2", 23, 49, 0 },
	{ "EPYC-Rome-v3", 23, 49, 0 }, { "EPYC-Rome-v4", 23, 49, 0 }, { "EPYC-Rome-v5", 23, 49, 0 },
	{ "EPYC-Milan", 25, 1, 1 },    { "EPYC-Milan-v1", 25, 1, 1 }, { "EPYC-Milan-v2", 25, 1, 1 },
	{ "EPYC-Milan-v3", 25, 1, 1 },
	{ "EPYC-Genoa", 25, 17, 0 },   { "EPYC-Genoa-v1", 25, 17, 0 }, { "EPYC-Genoa-v2", 25, 17, 0 },
	{ "EPYC-Turin", 26, 0, 0 },    { "EPYC-Turin-v1", 26, 0, 0 },
};

#define N_TYPES (sizeof types / sizeof types[0])

int cpu_type_sig(const char *name, uint32_t *sig)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcasecmp(name, types[i].name) == 0) {
			*sig = cpu_sig(types[i].family, types[i].model, types[i].stepping);
			return 0;
		}
	return -1;
}

const char *const *cpu_type_names(void)
{
	static const char *names[N_TYPES + 1];
	for (size_t i = 0; i < N_TYPES; i++)
		names[i] = types[i].name;
	names[N_TYPES] = NULL;
	return names;
}
