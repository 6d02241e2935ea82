/*
 * The part of the kernel's device-mapper ioctl ABI (<linux/dm-ioctl.h>,
 * interface version 4) that cocoboot uses. musl's headers do not include the
 * kernel's; the layout is fixed ABI, and init/tests/test-dm-crypt.c checks
 * every value here against the kernel header of the build host.
 */
#ifndef COCOBOOT_DM_IOCTL_ABI_H
#define COCOBOOT_DM_IOCTL_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define CB_DM_NAME_LEN 128
#define CB_DM_UUID_LEN 129
#define CB_DM_MAX_TYPE_NAME 16

struct cb_dm_ioctl {
	uint32_t version[3];
	uint32_t data_size;      /* whole buffer, this header included */
	uint32_t data_start;     /* offset of the payload */
	uint32_t target_count;
	int32_t open_count;
	uint32_t flags;
	uint32_t event_nr;
	uint32_t padding;
	uint64_t dev;
	char name[CB_DM_NAME_LEN];
	char uuid[CB_DM_UUID_LEN];
	char data[7];
};

struct cb_dm_target_spec {
	uint64_t sector_start;
	uint64_t length;
	int32_t status;
	uint32_t next;
	char target_type[CB_DM_MAX_TYPE_NAME];
	/* followed by the NUL-terminated parameter string */
};

#define CB_DM_IOCTL_TYPE 0xfd
#define CB_DM_DEV_CREATE _IOWR(CB_DM_IOCTL_TYPE, 3, struct cb_dm_ioctl)
#define CB_DM_DEV_REMOVE _IOWR(CB_DM_IOCTL_TYPE, 4, struct cb_dm_ioctl)
#define CB_DM_DEV_SUSPEND _IOWR(CB_DM_IOCTL_TYPE, 6, struct cb_dm_ioctl)
#define CB_DM_TABLE_LOAD _IOWR(CB_DM_IOCTL_TYPE, 9, struct cb_dm_ioctl)
#define CB_DM_TABLE_STATUS _IOWR(CB_DM_IOCTL_TYPE, 12, struct cb_dm_ioctl)

#define CB_DM_VERSION_MAJOR 4
#define CB_DM_SUSPEND_FLAG (1u << 1)
#define CB_DM_STATUS_TABLE_FLAG (1u << 4)
#define CB_DM_ACTIVE_PRESENT_FLAG (1u << 5)
#define CB_DM_BUFFER_FULL_FLAG (1u << 8)
#define CB_DM_SECURE_DATA_FLAG (1u << 15)

/*
 * udev flags, libdevmapper's (libdevmapper.h), carried in the high 16 bits of
 * event_nr: the kernel hands event_nr to udev as DM_COOKIE on the resume's and
 * the remove's uevent. lvm2's 10-dm.rules treat an event without
 * PRIMARY_SOURCE as spurious and disable the other rules (systemd then never
 * sees the device ready). The low 16 bits (the semaphore libdevmapper waits
 * on) stay 0: `dmsetup udevcomplete` accepts such a flags-only cookie.
 */
#define CB_DM_UDEV_FLAGS_SHIFT 16
#define CB_DM_UDEV_DISABLE_LIBRARY_FALLBACK 0x0020u
#define CB_DM_UDEV_PRIMARY_SOURCE_FLAG 0x0040u
#define CB_DM_UDEV_COOKIE ((CB_DM_UDEV_PRIMARY_SOURCE_FLAG | CB_DM_UDEV_DISABLE_LIBRARY_FALLBACK) << CB_DM_UDEV_FLAGS_SHIFT)

#endif
