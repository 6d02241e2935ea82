/*
 * libtsm: fetch an attestation report through the kernel's configfs-tsm ABI
 * (Documentation/ABI/testing/configfs-tsm). Static library for musl and glibc;
 * no global state, safe to call from several threads at once.
 */
#ifndef LIBTSM_H
#define LIBTSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TSM_INBLOB_MAX      64
#define TSM_ERRBUF_SIZE     256
#define TSM_PROVIDER_MAX    64
#define TSM_DEFAULT_ROOT    "/sys/kernel/config"
#define TSM_DEFAULT_ATTEMPTS 8

struct tsm_report_req {
	const void *inblob;		/* report data, 1..64 bytes (providers want 64) */
	size_t inblob_len;
	bool use_privlevel;		/* write privlevel (SEV-SNP VMPL); false: leave it */
	unsigned int privlevel;		/* 0..3, only with use_privlevel */
	const char *configfs_root;	/* NULL: /sys/kernel/config, mounted if needed;
					   otherwise used as it is (never mounted) */
	unsigned int max_attempts;	/* 0: TSM_DEFAULT_ATTEMPTS */
	/*
	 * Tests only: called once per attempt after the attributes were written
	 * and before outblob is read, with the entry's directory.
	 */
	void (*after_write)(const char *entry_dir, unsigned int attempt, void *arg);
	void *hook_arg;
};

struct tsm_report {
	uint8_t *outblob;		/* the provider's report / quote */
	size_t outblob_len;
	uint8_t *auxblob;		/* NULL when the provider has none (e.g. TDX) */
	size_t auxblob_len;
	uint8_t *manifestblob;		/* NULL when the provider has none */
	size_t manifestblob_len;
	char provider[TSM_PROVIDER_MAX];	/* "sev_guest", "tdx_guest", ... */
	unsigned long generation;	/* generation the blobs belong to */
	unsigned int attempts;		/* tries it took (1 = no retry) */
	unsigned int conflicts;		/* tries lost to a concurrent writer */
};

/*
 * Create a uniquely named entry under tsm/report, write the attributes, read
 * the blobs and the provider name, check the generation counter so that a
 * concurrent writer is detected (and the read retried), retry EBUSY/EAGAIN/
 * EINTR with bounded exponential backoff, and remove the entry on every path.
 * Returns 0, or -errno with errbuf saying which step failed and why; on error
 * *out holds nothing to free.
 */
int tsm_report_get(const struct tsm_report_req *req, struct tsm_report *out,
		   char errbuf[TSM_ERRBUF_SIZE]);

/* Free the blobs of a report filled by tsm_report_get(); safe to call twice. */
void tsm_report_free(struct tsm_report *r);

#endif
