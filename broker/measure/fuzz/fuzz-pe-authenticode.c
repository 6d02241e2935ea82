/* libFuzzer: the PE/COFF Authenticode digest (the TDX kernel measurement). */
#include <stddef.h>
#include <stdint.h>

#include "broker/measure/measure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t d[SNP_LD_LEN];
	char err[256];
	(void)pe_authenticode_sha384(data, size, d, err, sizeof err);
	return 0;
}
