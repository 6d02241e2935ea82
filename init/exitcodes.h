/*
 * Exit codes of the cocoboot command (documented in cocoboot(8)). Failures of
 * `unlock` and `report` exit with 10 + the stable error code (errors.h,
 * cb_error_exit_status), so 1 and 3-9 are never used.
 */
#ifndef COCOBOOT_EXITCODES_H
#define COCOBOOT_EXITCODES_H

enum cocoboot_exit {
	COCOBOOT_EXIT_OK = 0,
	COCOBOOT_EXIT_USAGE = 2,          /* bad command line */
};

#endif
