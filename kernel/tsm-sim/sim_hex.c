// SPDX-License-Identifier: GPL-2.0-only
/* Hex module parameters: how key material reaches tsm_sim at load time. */
#include <linux/kernel.h>
#include <linux/hex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "sim.h"

/* Exactly @len bytes, or a precise complaint naming the parameter. */
int sim_hex_exact(const char *name, const char *hex, u8 *out, size_t len)
{
	size_t n = strlen(hex);

	if (n != 2 * len) {
		pr_err("tsm_sim: %s: want %zu hex digits, got %zu\n", name, 2 * len, n);
		return -EINVAL;
	}
	if (hex2bin(out, hex, len)) {
		pr_err("tsm_sim: %s: not hex\n", name);
		return -EINVAL;
	}
	return 0;
}

int sim_hex_alloc(const char *name, const char *hex, u8 **out, size_t *len)
{
	size_t n = hex ? strlen(hex) : 0;
	u8 *buf;

	if (!n || n % 2) {
		pr_err("tsm_sim: %s: missing or odd-length hex (%zu digits)\n", name, n);
		return -EINVAL;
	}
	buf = kmalloc(n / 2, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (hex2bin(buf, hex, n / 2)) {
		pr_err("tsm_sim: %s: not hex\n", name);
		kfree(buf);
		return -EINVAL;
	}
	*out = buf;
	*len = n / 2;
	return 0;
}
