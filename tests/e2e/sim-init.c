/*
 * /init of the e2e TEST initramfs ("sim" flavour; TEST ONLY, never in a
 * production image): load the simulated configfs-tsm provider (real guests
 * have sev_guest/tdx_guest built in) with knobs from e2e.sim=KEY=VALUE,... and
 * e2e.format=tdx_guest (default sev_guest) on the kernel command line, then
 * exec cocoboot, which stays PID 1. A static C program instead of a busybox
 * script, so the demo's image is cocoboot, the CA and this test scaffolding.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	char line[4096] = "", params[1024];
	const char *format = "sev_guest", *material = "/etc/tsm/snp.material";
	char knobs[512] = "";
	ssize_t n = -1;
	int fd;

	mount("proc", "/proc", "proc", 0, NULL);
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
	}
	umount("/proc");
	line[n > 0 ? n : 0] = '\0';
	for (char *save = NULL, *arg = strtok_r(line, " \t\n", &save); arg; arg = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(arg, "e2e.sim=", 8)) {
			snprintf(knobs, sizeof(knobs), "%s", arg + 8);
			for (char *c = knobs; *c; c++)
				if (*c == ',')
					*c = ' ';
		} else if (!strcmp(arg, "e2e.format=tdx_guest")) {
			format = "tdx_guest";
			material = "/etc/tsm/tdx.material";
		}
	}
	snprintf(params, sizeof(params), "format=%s material=%s %s", format, material, knobs);
	printf("e2e-init: insmod tsm_sim.ko %s\n", params);
	fflush(stdout);
	fd = open("/lib/modules/tsm_sim.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, params, 0) != 0)
		perror("e2e-init: insmod failed");
	if (fd >= 0)
		close(fd);
	execl("/sbin/cocoboot", "/sbin/cocoboot", "boot", (char *)NULL);
	perror("e2e-init: exec /sbin/cocoboot");
	return 127;
}
