/*
 * The master key file: 32 random bytes, created with mode 0600 on first
 * start. The broker refuses a file that group or others may access, one
 * that is not a regular file, or one of the wrong size.
 */
#ifndef COCOBOOT_BROKER_MASTER_KEY_H
#define COCOBOOT_BROKER_MASTER_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "wrap.h"

/*
 * Load the key from path into key (caller's secure memory); with create set,
 * make a new one if the file does not exist (*created = 1). 0, or -1 with a
 * one-line reason in err.
 */
int master_key_load(const char *path, int create, uint8_t key[MASTER_KEY_LEN],
		    int *created, char *err, size_t errlen);

#endif
