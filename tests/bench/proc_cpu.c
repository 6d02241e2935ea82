#include "proc_cpu.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct proc_row {
	int pid, ppid;
	unsigned long long ticks;   /* utime + stime + cutime + cstime */
};

/* Fields after the ")" that ends comm: state ppid ... utime(14) stime cutime cstime. */
static int read_stat(int pid, struct proc_row *row)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long long cut, cst;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return -1;
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
		   &row->ppid, &ut, &st, &cut, &cst) != 5)
		return -1;
	row->pid = pid;
	row->ticks = ut + st + (unsigned long long)(cut > 0 ? cut : 0) + (unsigned long long)(cst > 0 ? cst : 0);
	return 0;
}

double proc_tree_cpu_seconds(int root)
{
	struct proc_row *rows = NULL;
	size_t n = 0, cap = 0;
	unsigned long long total = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");
	int found = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 0)
			continue;
		if (n == cap) {
			struct proc_row *r = realloc(rows, (cap = cap ? 2 * cap : 512) * sizeof(*rows));
			if (!r)
				break;
			rows = r;
		}
		if (read_stat(pid, &rows[n]) == 0)
			n++;
	}
	closedir(d);
	/* mark the tree: repeat until no new member (n is small) */
	{
		char *in = calloc(n ? n : 1, 1);
		int changed = 1;
		for (size_t i = 0; in && i < n; i++)
			if (rows[i].pid == root)
				in[i] = 1, found = 1;
		while (in && changed) {
			changed = 0;
			for (size_t i = 0; i < n; i++) {
				if (in[i])
					continue;
				for (size_t j = 0; j < n; j++)
					if (in[j] && rows[j].pid == rows[i].ppid) {
						in[i] = 1, changed = 1;
						break;
					}
			}
		}
		for (size_t i = 0; in && i < n; i++)
			if (in[i])
				total += rows[i].ticks;
		free(in);
	}
	free(rows);
	return found ? (double)total / (double)sysconf(_SC_CLK_TCK) : -1;
}

int proc_cpu_ticks(int cpu, unsigned long long *busy, unsigned long long *total)
{
	char line[512], name[16];
	FILE *f = fopen("/proc/stat", "r");
	int ret = -1;

	if (!f)
		return -1;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[8] = { 0 };
		if (strncmp(line, name, strlen(name)))
			continue;
		/* user nice system idle iowait irq softirq steal */
		if (sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) == 8) {
			*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
			*busy = *total - v[3] - v[4];
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}
