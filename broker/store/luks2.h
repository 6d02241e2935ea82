/*
 * A LUKS2 header read back at `cocobroker volume confirm --device`: does this
 * header hold the volume key the store has for this UUID? Pure function on
 * the header bytes (untrusted: whatever is on the device; fuzz target
 * broker/fuzz-service/fuzz_luks2.c).
 *
 * It checks, and names the first that fails:
 *  - the binary header (magic, version 2, a valid hdr_size) and its checksum
 *    (SHA-256 over hdr_size bytes with the checksum field zeroed);
 *  - the header UUID is the volume's UUID (case-insensitive);
 *  - no mandatory requirement is set (e.g. an unfinished reencryption);
 *  - some digest of type pbkdf2 that is assigned to a segment verifies the
 *    key: PBKDF2(hash, key, salt, iterations) == digest, as cryptsetup does.
 */
#ifndef COCOBOOT_BROKER_LUKS2_H
#define COCOBOOT_BROKER_LUKS2_H

#include <stddef.h>
#include <stdint.h>

#define LUKS2_BIN_HDR_LEN 4096
#define LUKS2_MAX_HDR_LEN (4u << 20)
/* digest iterations above this are refused (a hostile header must not stall confirm) */
#ifndef LUKS2_MAX_ITERATIONS
#define LUKS2_MAX_ITERATIONS 20000000L
#endif

/* The hdr_size field of a binary header (first 4096 bytes), 0 if it is not LUKS2 or the size is invalid. */
size_t luks2_header_size(const uint8_t *bin, size_t len);

/* 0: the key opens a data segment of this header for uuid; -1: err says why not. */
int luks2_check_key(const uint8_t *hdr, size_t len, const char *uuid, const uint8_t *key, size_t key_len,
		    char *err, size_t errlen);

#endif
