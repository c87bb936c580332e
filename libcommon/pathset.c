/* SPDX-License-Identifier: MIT */
#include "iou/pathset.h"

#include <string.h>

/* MurmurHash64A's mixing; the tail is read in host order, fine within one process. */
static uint64_t path_hash(const char *p, size_t n, uint64_t seed)
{
	const uint64_t m = 0xC6A4A7935BD1E995ull;
	uint64_t h = seed ^ (n * m), k;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&k, p, 8);
		k *= m;
		k ^= k >> 47;
		h = (h ^ k * m) * m;
	}
	if (n) {
		k = 0;
		memcpy(&k, p, n);
		h = (h ^ k) * m;
	}
	h ^= h >> 47;
	h *= m;
	return h ^ h >> 47;
}

void pathset_fingerprint(const char *path, size_t len, uint64_t salt, uint64_t fp[2])
{
	/*
	 * Salts spread over all 64 bits: a small salt folded into the seed as is
	 * cancels against a one-byte path's tail ("b" under salt 3 hashed as
	 * "a" under salt 2).
	 */
	fp[0] = path_hash(path, len, 0x243F6A8885A308D3ull ^ (salt * 0x9E3779B97F4A7C15ull));
	fp[1] = path_hash(path, len, 0x13198A2E03707344ull ^ (salt * 0xC2B2AE3D27D4EB4Full));
}

int pathset_add(struct inoset *s, const char *path, size_t len, uint64_t salt)
{
	uint64_t fp[2];

	pathset_fingerprint(path, len, salt, fp);
	return inoset_insert(s, fp[0], fp[1]);
}

int pathset_contains(const struct inoset *s, const char *path, size_t len, uint64_t salt)
{
	uint64_t h[2];

	pathset_fingerprint(path, len, salt, h);
	return inoset_contains(s, h[0], h[1]);
}
