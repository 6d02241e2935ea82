/*
 * The volume key, the one length both sides use: what `cocobroker volume add`
 * makes and stores, the broker releases, the guest receives and cryptsetup
 * opens the root with. aes-xts-plain64 with two AES-256 keys: the only data
 * cipher and key size the LUKS2 allowlist (luks2.h) accepts.
 */
#ifndef COCOBOOT_COMMON_VOLUME_KEY_H
#define COCOBOOT_COMMON_VOLUME_KEY_H

#define VOLUME_KEY_LEN 64

#endif
