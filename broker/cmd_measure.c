/*
 * cocobroker measure snp --firmware FILE [--kernel FILE [--initrd FILE]
 *     [--append STRING]] --vcpus N --vcpu-type NAME [--vmm-type qemu|ec2]
 *     [--guest-features HEX]
 * Prints the SEV-SNP launch digest (96 lowercase hex digits) on one line.
 * cocobroker measure tdx --firmware FILE [--kernel FILE [--initrd FILE]
 *     [--append STRING]] [--mrtd-order single-pass|two-pass]
 * Prints "mrtd HEX" and, with a kernel, the kernel/initrd/cmdline digests the
 * TDX boot path extends into RTMR1/RTMR2.
 * Exit 0 on success, 2 on a usage error or bad input (message on stderr,
 * nothing on stdout).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/sha512.h>

#include "common/hex.h"
#include "commands.h"
#include "broker/measure/measure.h"

static void measure_usage(FILE *f)
{
	fprintf(f,
		"usage: cocobroker measure snp --firmware FILE [--kernel FILE [--initrd FILE] [--append STRING]]\n"
		"         --vcpus N [--vcpu-type NAME | --vcpu-sig VALUE |\n"
		"         --vcpu-family N --vcpu-model N --vcpu-stepping N]\n"
		"         [--vmm-type qemu|ec2|gce [--vmm-version N]] [--guest-features VALUE]\n"
		"         [--snp-ovmf-hash HEX]\n"
		"Prints the SEV-SNP launch digest (48 bytes as 96 hex digits) of that launch.\n"
		"The vCPU type is required with qemu (its signature goes into the VMSA), optional\n"
		"with ec2 and gce. VALUEs are 0x-prefixed hex, 0o octal, 0b binary or decimal.\n"
		"--guest-features defaults to 0x1 (SNPActive); --vmm-type to qemu; --vmm-version to\n"
		"the VMM's latest (ec2: 2; 1 is EC2 before its 2026 VMSA change).\n"
		"--snp-ovmf-hash: the digest after the firmware pages (sev-snp-measure --mode\n"
		"snp:ovmf-hash), used instead of hashing them; the SEV metadata still comes from FILE.\n"
		"vCPU types:");
	for (const char *const *n = cpu_type_names(); *n; n++)
		fprintf(f, " %s", *n);
	fprintf(f, "\nExit 0 on success, 2 on a usage error or bad input.\n");
}

static const char *sub = "snp";

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "cocobroker measure %s: ", sub);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CB_EXIT_USAGE;
}

/* A whole file (firmware, or a kernel to parse), refused beyond max bytes. */
static uint8_t *read_file(const char *what, const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > max) {
				snprintf(err, errlen, "%s %s is larger than %zu bytes", what, path, max);
				free(buf);
				fclose(f);
				return NULL;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (!buf) {
		snprintf(err, errlen, "out of memory reading %s", path);
		fclose(f);
		return NULL;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int parse_uint(const char *s, int base, unsigned long long max, unsigned long long *out)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * An integer as sev-snp-measure reads --guest-features and --vcpu-sig
 * (Python's int(s, 0)): 0x/0X hex, 0o/0O octal, 0b/0B binary, else decimal
 * without leading zeros. Signs, spaces and digit separators are refused.
 */
static int parse_auto(const char *s, unsigned long long max, unsigned long long *out)
{
	int base = 10;
	const char *d = s;
	if (s[0] == '0' && s[1]) {
		switch (s[1]) {
		case 'x': case 'X': base = 16; break;
		case 'o': case 'O': base = 8; break;
		case 'b': case 'B': base = 2; break;
		default:
			/* Python refuses "010" (ambiguous), accepts "00". */
			for (const char *p = s; *p; p++)
				if (*p != '0')
					return -1;
			*out = 0;
			return 0;
		}
		d = s + 2;
	}
	if (!*d)
		return -1;
	for (const char *p = d; *p; p++) {
		int v = *p >= '0' && *p <= '9' ? *p - '0'
		      : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
		      : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : 99;
		if (v >= base)
			return -1;
	}
	return parse_uint(d, base, max, out);
}

struct snp_args {
	const char *firmware, *kernel, *initrd, *append, *vcpus, *vcpu_type, *vcpu_sig, *vcpu_family, *vcpu_model,
		*vcpu_stepping, *vmm_type, *vmm_version, *guest_features, *ovmf_hash;
};

static int parse_vmm(const char *name, enum vmm_type *vmm)
{
	if (strcasecmp(name, "qemu") == 0)
		*vmm = VMM_QEMU;
	else if (strcasecmp(name, "ec2") == 0)
		*vmm = VMM_EC2;
	else if (strcasecmp(name, "gce") == 0)
		*vmm = VMM_GCE;
	else
		return -1;
	return 0;
}

/* The CPUID signature from one of the three ways to name the vCPU. Returns
 * 0, 1 when none is given, or CB_EXIT_USAGE after the message. */
static int vcpu_signature(const struct snp_args *a, uint32_t *sig)
{
	unsigned long long v;
	int ways = !!a->vcpu_type + !!a->vcpu_sig + !!(a->vcpu_family || a->vcpu_model || a->vcpu_stepping);
	if (ways > 1)
		return bad("%s", "name the vCPU one way: --vcpu-type, --vcpu-sig, or --vcpu-family/--vcpu-model/--vcpu-stepping");
	if (a->vcpu_type) {
		if (cpu_type_sig(a->vcpu_type, sig) != 0)
			return bad("unknown vCPU type \"%s\" (see --help for the QEMU names)", a->vcpu_type);
		return 0;
	}
	if (a->vcpu_sig) {
		if (parse_auto(a->vcpu_sig, UINT32_MAX, &v) != 0)
			return bad("--vcpu-sig \"%s\" is not a 32-bit CPUID signature", a->vcpu_sig);
		*sig = (uint32_t)v;
		return 0;
	}
	if (a->vcpu_family || a->vcpu_model || a->vcpu_stepping) {
		unsigned long long fam, model, step;
		if (!a->vcpu_family || !a->vcpu_model || !a->vcpu_stepping)
			return bad("%s", "--vcpu-family, --vcpu-model and --vcpu-stepping go together");
		/* CPUID Fn0000_0001_EAX holds family 1..0xf+0xff, model 0..255, stepping 0..15. */
		if (parse_uint(a->vcpu_family, 10, 0xf + 0xff, &fam) != 0 || fam == 0)
			return bad("--vcpu-family \"%s\" is not a CPU family (1..270)", a->vcpu_family);
		if (parse_uint(a->vcpu_model, 10, 0xff, &model) != 0)
			return bad("--vcpu-model \"%s\" is not a CPU model (0..255)", a->vcpu_model);
		if (parse_uint(a->vcpu_stepping, 10, 0xf, &step) != 0)
			return bad("--vcpu-stepping \"%s\" is not a CPU stepping (0..15)", a->vcpu_stepping);
		*sig = cpu_sig((unsigned)fam, (unsigned)model, (unsigned)step);
		return 0;
	}
	return 1;
}

static int measure_snp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "firmware", required_argument, 0, 'f' },     { "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'i' },       { "append", required_argument, 0, 'a' },
		{ "vcpus", required_argument, 0, 'n' },        { "vcpu-type", required_argument, 0, 't' },
		{ "vcpu-sig", required_argument, 0, 's' },     { "vcpu-family", required_argument, 0, 'F' },
		{ "vcpu-model", required_argument, 0, 'M' },   { "vcpu-stepping", required_argument, 0, 'S' },
		{ "vmm-type", required_argument, 0, 'm' },     { "vmm-version", required_argument, 0, 'V' },
		{ "guest-features", required_argument, 0, 'g' }, { "snp-ovmf-hash", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct snp_args a = { 0 };
	int ch, idx;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
		const char **slot = NULL;
		switch (ch) {
		case 'f': slot = &a.firmware; break;
		case 'k': slot = &a.kernel; break;
		case 'i': slot = &a.initrd; break;
		case 'a': slot = &a.append; break;
		case 'n': slot = &a.vcpus; break;
		case 't': slot = &a.vcpu_type; break;
		case 's': slot = &a.vcpu_sig; break;
		case 'F': slot = &a.vcpu_family; break;
		case 'M': slot = &a.vcpu_model; break;
		case 'S': slot = &a.vcpu_stepping; break;
		case 'm': slot = &a.vmm_type; break;
		case 'V': slot = &a.vmm_version; break;
		case 'g': slot = &a.guest_features; break;
		case 'o': slot = &a.ovmf_hash; break;
		case 'h': measure_usage(stdout); return CB_EXIT_OK;
		case ':': return bad("%s needs a value", argv[optind - 1]);
		default: return bad("unknown option %s (see --help)", argv[optind - 1]);
		}
		/* A launch is one set of inputs: a second value is a mistake. */
		if (*slot)
			return bad("--%s given twice", opts[idx].name);
		*slot = optarg;
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (!a.firmware)
		return bad("%s", "--firmware FILE is required");
	if (!a.vcpus)
		return bad("%s", "--vcpus N is required");
	/* An empty path or line is no input, as sev-snp-measure and QEMU
	 * (-append "" without -kernel) take it. */
	if (a.kernel && !*a.kernel)
		a.kernel = NULL;
	if (a.initrd && !*a.initrd)
		a.initrd = NULL;
	if (a.append && !*a.append)
		a.append = NULL;
	if ((a.initrd || a.append) && !a.kernel)
		return bad("%s", "--initrd and --append are measured only with --kernel (measured direct boot)");

	struct snp_launch l = { .vmm = VMM_QEMU, .guest_features = 0x1, .vmm_version = VMM_VERSION_LATEST };
	unsigned long long v;
	if (parse_uint(a.vcpus, 10, SNP_MAX_VCPUS, &v) != 0)
		return bad("--vcpus \"%s\" is not a vCPU count (1..4096)", a.vcpus);
	if (v == 0)
		return bad("--vcpus %s: a guest needs at least one vCPU", a.vcpus);
	l.vcpus = (unsigned)v;
	if (a.vmm_type && parse_vmm(a.vmm_type, &l.vmm) != 0)
		return bad("unknown VMM type \"%s\" (qemu, ec2 or gce)", a.vmm_type);
	if (a.vmm_version) {
		if (parse_uint(a.vmm_version, 10, 2, &v) != 0 || v == 0 || !vmm_version_valid(l.vmm, (unsigned)v))
			return bad(l.vmm == VMM_EC2 ? "--vmm-version \"%s\": ec2 has versions 1 and 2"
						    : "--vmm-version \"%s\": this VMM has version 1 only",
				   a.vmm_version);
		l.vmm_version = (unsigned)v;
	}
	int rc = vcpu_signature(&a, &l.vcpu_sig);
	if (rc == CB_EXIT_USAGE)
		return rc;
	/* Only QEMU puts the signature into the VMSA. */
	if (rc == 1 && l.vmm == VMM_QEMU)
		return bad("%s", "--vcpu-type NAME (or --vcpu-sig, or --vcpu-family/--vcpu-model/--vcpu-stepping) is "
				 "required with the qemu VMM");
	if (a.guest_features) {
		if (parse_auto(a.guest_features, UINT64_MAX, &v) != 0)
			return bad("--guest-features \"%s\" is not a 64-bit value (0x hex, or decimal)", a.guest_features);
		l.guest_features = v;
		/* sev-snp-measure computes it; KVM sets SNPActive in every SNP
		 * VMSA, so no launch reports this digest: say so, and compute it. */
		if (!(v & 1))
			fprintf(stderr, "cocobroker measure snp: warning: --guest-features %s lacks bit 0 (SNPActive), "
					"which KVM sets in every SEV-SNP VMSA: no launch has this digest\n",
				a.guest_features);
	}

	uint8_t fw_digest[SNP_LD_LEN];
	if (a.ovmf_hash) {
		if (hex_decode(fw_digest, SNP_LD_LEN, a.ovmf_hash) != 0)
			return bad("--snp-ovmf-hash \"%s\" is not 96 hex digits (a SHA-384 launch digest)", a.ovmf_hash);
		l.fw_digest = fw_digest;
	}

	char err[512];
	struct sev_hashes h;
	if (a.kernel) {
		if (sev_hashes_compute(&h, a.kernel, a.initrd, a.append, err, sizeof err) != 0)
			return bad("%s", err);
		l.hashes = &h;
	}
	uint8_t *fw = read_file("firmware", a.firmware, OVMF_MAX_SIZE, &l.fw_len, err, sizeof err);
	if (!fw)
		return bad("%s", err);
	l.fw = fw;
	uint8_t ld[SNP_LD_LEN];
	rc = snp_launch_digest(&l, ld, err, sizeof err);
	free(fw);
	if (rc != 0) {
		fprintf(stderr, "cocobroker measure snp: firmware %s: %s\n", a.firmware, err);
		return CB_EXIT_USAGE;
	}
	char out[2 * SNP_LD_LEN + 1];
	hex_encode(out, ld, SNP_LD_LEN);
	if (puts(out) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "cocobroker measure snp: cannot write the digest: %s\n", strerror(errno));
		return CB_EXIT_USAGE;
	}
	return CB_EXIT_OK;
}

static void tdx_usage(FILE *f)
{
	fprintf(f,
		"usage: cocobroker measure tdx --firmware FILE [--kernel FILE [--initrd FILE] [--append STRING]]\n"
		"         [--mrtd-order single-pass|two-pass]\n"
		"Prints, one per line as NAME HEX: mrtd (from the TDVF metadata), and with --kernel the\n"
		"digests the boot path extends: kernel (PE Authenticode SHA-384), initrd (SHA-384),\n"
		"cmdline (SHA-384 of the UTF-16 load options). See docs/measure.md.\n"
		"Exit 0 on success, 2 on a usage error or bad input.\n");
}

static void print_hex(const char *name, const uint8_t *d)
{
	char hex[2 * SNP_LD_LEN + 1];

	hex_encode(hex, d, SNP_LD_LEN);
	printf("%s %s\n", name, hex);
}

static int sha384_file(const char *path, uint8_t out[SNP_LD_LEN], char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open initrd %s: %s", path, strerror(errno));
		return -1;
	}
	mbedtls_sha512_context c;
	mbedtls_sha512_init(&c);
	mbedtls_sha512_starts(&c, 1);
	static uint8_t buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		mbedtls_sha512_update(&c, buf, n);
	int bad_read = ferror(f), saved = errno;
	fclose(f);
	if (bad_read) {
		mbedtls_sha512_free(&c);
		snprintf(err, errlen, "cannot read initrd %s: %s", path, strerror(saved));
		return -1;
	}
	mbedtls_sha512_finish(&c, out);
	mbedtls_sha512_free(&c);
	return 0;
}

#define KERNEL_MAX_SIZE ((size_t)512 * 1024 * 1024)

static int measure_tdx(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "firmware", required_argument, 0, 'f' }, { "kernel", required_argument, 0, 'k' },
		{ "initrd", required_argument, 0, 'i' },   { "append", required_argument, 0, 'a' },
		{ "mrtd-order", required_argument, 0, 'o' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *firmware = NULL, *kernel = NULL, *initrd = NULL, *append = NULL, *order = NULL;
	int ch, idx;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
		const char **slot = NULL;
		switch (ch) {
		case 'f': slot = &firmware; break;
		case 'k': slot = &kernel; break;
		case 'i': slot = &initrd; break;
		case 'a': slot = &append; break;
		case 'o': slot = &order; break;
		case 'h': tdx_usage(stdout); return CB_EXIT_OK;
		case ':': return bad("%s needs a value", argv[optind - 1]);
		default: return bad("unknown option %s (see --help)", argv[optind - 1]);
		}
		if (*slot)
			return bad("--%s given twice", opts[idx].name);
		*slot = optarg;
	}
	if (optind < argc)
		return bad("unexpected argument \"%s\"", argv[optind]);
	if (!firmware)
		return bad("%s", "--firmware FILE is required");
	if ((initrd || append) && !kernel)
		return bad("%s", "--initrd and --append are measured only with --kernel (direct boot)");
	enum mrtd_order mo = MRTD_SINGLE_PASS;
	if (order) {
		if (strcmp(order, "single-pass") == 0)
			mo = MRTD_SINGLE_PASS;
		else if (strcmp(order, "two-pass") == 0)
			mo = MRTD_TWO_PASS;
		else
			return bad("unknown --mrtd-order \"%s\" (single-pass or two-pass)", order);
	}

	char err[512];
	uint8_t mrtd[SNP_LD_LEN], kd[SNP_LD_LEN], id[SNP_LD_LEN], cd[SNP_LD_LEN];
	size_t len;
	uint8_t *fw = read_file("firmware", firmware, OVMF_MAX_SIZE, &len, err, sizeof err);
	if (!fw)
		return bad("%s", err);
	int rc = tdx_mrtd(fw, len, mo, mrtd, err, sizeof err);
	free(fw);
	if (rc != 0) {
		fprintf(stderr, "cocobroker measure tdx: firmware %s: %s\n", firmware, err);
		return CB_EXIT_USAGE;
	}
	if (kernel) {
		uint8_t *k = read_file("kernel", kernel, KERNEL_MAX_SIZE, &len, err, sizeof err);
		if (!k)
			return bad("%s", err);
		rc = pe_authenticode_sha384(k, len, kd, err, sizeof err);
		free(k);
		if (rc != 0) {
			fprintf(stderr, "cocobroker measure tdx: kernel %s: %s (an EFI-stub kernel is a PE image)\n", kernel, err);
			return CB_EXIT_USAGE;
		}
		if (initrd && sha384_file(initrd, id, err, sizeof err) != 0)
			return bad("%s", err);
		tdx_cmdline_digest(append, initrd != NULL, cd);
	}
	print_hex("mrtd", mrtd);
	if (kernel) {
		print_hex("kernel", kd);
		if (initrd)
			print_hex("initrd", id);
		print_hex("cmdline", cd);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "cocobroker measure tdx: cannot write the values: %s\n", strerror(errno));
		return CB_EXIT_USAGE;
	}
	return CB_EXIT_OK;
}

int cmd_measure(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "usage: cocobroker measure snp|tdx [options]   (cocobroker measure snp|tdx --help)\n");
		return argc < 2 ? CB_EXIT_USAGE : CB_EXIT_OK;
	}
	if (strcmp(argv[1], "snp") == 0)
		return measure_snp(argc - 1, argv + 1);
	if (strcmp(argv[1], "tdx") == 0) {
		sub = "tdx";
		return measure_tdx(argc - 1, argv + 1);
	}
	fprintf(stderr, "cocobroker measure: unknown platform \"%s\" (snp or tdx)\n", argv[1]);
	return CB_EXIT_USAGE;
}
