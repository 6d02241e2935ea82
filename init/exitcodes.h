/*
 * Exit codes of the cocoboot command (documented in cocoboot(8)). Failures of
 * `unlock` and `report` exit with 10 + the stable error code (errors.h).
 */
#ifndef COCOBOOT_EXITCODES_H
#define COCOBOOT_EXITCODES_H

enum cocoboot_exit {
	COCOBOOT_EXIT_OK = 0,
	COCOBOOT_EXIT_FAILURE = 1,        /* attestation or unlock failed */
	COCOBOOT_EXIT_USAGE = 2,          /* bad command line */
	COCOBOOT_EXIT_NOT_IMPLEMENTED = 3,
};

#endif
