/*
 * TDX direct boot: the command line as RTMR2 receives it. OVMF's QEMU kernel
 * loader (X86QemuLoadImageLib) turns the -append string into the kernel's
 * UEFI LoadOptions, a UTF-16 string, appending " initrd=initrd" when QEMU
 * passed an initrd; the Linux EFI stub measures those LoadOptions, NUL
 * included, as its "LOADED_IMAGE::LoadOptions" event.
 */
#include <mbedtls/sha512.h>

#include "measure.h"

void tdx_cmdline_digest(const char *append, int with_initrd, uint8_t out[SNP_LD_LEN])
{
	static const char suffix[] = " initrd=initrd";
	const char *parts[2] = { append ? append : "", with_initrd ? suffix : "" };
	mbedtls_sha512_context c;
	mbedtls_sha512_init(&c);
	mbedtls_sha512_starts(&c, 1);
	/* OVMF widens the ASCII command line byte by byte (no UTF-8 decoding). */
	for (int k = 0; k < 2; k++)
		for (const char *p = parts[k]; *p; p++) {
			uint8_t u[2] = { (uint8_t)*p, 0 };
			mbedtls_sha512_update(&c, u, 2);
		}
	static const uint8_t nul[2] = { 0, 0 };
	mbedtls_sha512_update(&c, nul, 2);
	mbedtls_sha512_finish(&c, out);
	mbedtls_sha512_free(&c);
}
