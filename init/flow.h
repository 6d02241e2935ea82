/* The steps shared by the PID-1 boot and the `unlock` command. */
#ifndef COCOBOOT_FLOW_H
#define COCOBOOT_FLOW_H

#include "cmdline.h"
#include "errors.h"

/* Validate the volume's header, attest, fetch the key, open the volume. */
int cb_attest_and_unlock(const struct cb_config *cfg, struct cb_err *err);

/* Read /proc/cmdline into CFG (on top of defaults), reporting unknown keys. */
int cb_config_from_kernel(struct cb_config *cfg, struct cb_err *err);
/* The same from PATH: the command line's syntax, lines are spaces (4 KiB at most). */
int cb_config_from_file(struct cb_config *cfg, const char *path, struct cb_err *err);

int cb_cmd_boot(void);
int cb_cmd_unlock(int argc, char **argv);
int cb_cmd_report(int argc, char **argv);
/* check-volume FILE|DEVICE: exit 0 acceptable, 1 refused, 2 usage or I/O error. */
int cb_cmd_check_volume(int argc, char **argv);
int cb_cmd_check_ca(int argc, char **argv);

#endif
