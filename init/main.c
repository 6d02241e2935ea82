/*
 * cocoboot: attest a confidential VM through configfs-tsm, fetch the root
 * volume key from a cocobroker over mutual TLS, unlock the LUKS2 root and
 * switch to it. This file only dispatches; each step lives in its own file.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/version.h>

#include "exitcodes.h"
#include "flow.h"

#ifndef COCOBOOT_VERSION
#define COCOBOOT_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("usage: cocoboot [--help] [--version] [COMMAND [ARGS]]\n"
	      "\n"
	      "As PID 1 (the initramfs /init) cocoboot attests, unlocks the root volume\n"
	      "and switches to it, configured by rd.cocoboot.* on the kernel command line.\n"
	      "\n"
	      "commands:\n"
	      "  boot     the PID-1 flow (the default when running as PID 1)\n"
	      "  unlock [--url URL]... [--volume UUID=...|/dev/...] [--name NAME] [--ca FILE]\n"
	      "         [--timeout SECONDS] [--keyhash SALT:HASH] [--no-cmdline]\n"
	      "           attest and unlock the volume, then exit (for other initramfs frameworks)\n"
	      "  report --inblob HEX --out FILE [--aux FILE] [--privlevel N]\n"
	      "           fetch a raw attestation report for a given inblob (for operators)\n"
	      "  check-volume FILE|DEVICE\n"
	      "           validate a LUKS2 header as the boot does, before deployment\n"
	      "  check-ca FILE\n"
	      "           check that the guest can use a PEM CA bundle (ECDSA P-256 only)\n"
	      "\n"
	      "options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version and the linked mbedTLS version\n"
	      "\n"
	      "See cocoboot(8) and cocoboot.cmdline(7).\n",
	      out);
}

int main(int argc, char **argv)
{
	/*
	 * As PID 1 the arguments are the kernel command line's bare words that the
	 * kernel did not recognise (e.g. "splash", "single"): never commands.
	 */
	const char *cmd = getpid() == 1 ? "boot" : argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return COCOBOOT_EXIT_USAGE;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("cocoboot %s (%s)\n", COCOBOOT_VERSION, MBEDTLS_VERSION_STRING_FULL);
		return 0;
	}
	if (!strcmp(cmd, "boot"))
		return cb_cmd_boot();
	if (!strcmp(cmd, "unlock"))
		return cb_cmd_unlock(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cb_cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "check-volume"))
		return cb_cmd_check_volume(argc - 1, argv + 1);
	if (!strcmp(cmd, "check-ca"))
		return cb_cmd_check_ca(argc - 1, argv + 1);

	fprintf(stderr, "cocoboot: unknown command '%s' (try --help)\n", cmd);
	return COCOBOOT_EXIT_USAGE;
}
