/*
 * CPU seconds (user + system) of a server: the process, every live
 * descendant, and the children they have reaped (cutime/cstime), from
 * /proc/PID/stat. Sampled before and after a phase, the difference is the
 * CPU the server used in it, whether it is one process with threads (the
 * broker), a process per core, or a process per connection (socat + tangd:
 * each tangd is reaped by socat, so its time lands in socat's cutime).
 * Resolution: one clock tick (usually 10 ms).
 */
#ifndef COCOBOOT_TESTS_BENCH_PROC_CPU_H
#define COCOBOOT_TESTS_BENCH_PROC_CPU_H

/* -1 when pid is gone. */
double proc_tree_cpu_seconds(int pid);

/* Ticks CPU `cpu` spent busy (everything but idle and iowait) and in all,
 * from /proc/stat: over a phase, how much of the server's core anything
 * used, the server or the machine's other work. 0 or -1. */
int proc_cpu_ticks(int cpu, unsigned long long *busy, unsigned long long *total);

#endif
