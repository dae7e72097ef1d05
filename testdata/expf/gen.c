/*
 * gen.c writes expf_fnv.txt, the test data of quant/htmcore's Expf: the C
 * library's expf over every float32 argument, summarised as one 64-bit
 * FNV-1a hash per block of 2^22 consecutive argument bit patterns.
 *
 *   gcc -O2 -fno-builtin gen.c -o gen -lm && ./gen > expf_fnv.txt
 *
 * Each result is fed to the hash as its 4 bytes little-endian, a NaN
 * result as 0x7fc00000 (its payload is left out).
 */
#include <gnu/libc-version.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BLOCK_BITS 22

int main(void) {
	printf("# expf of every float32 argument, glibc %s; see gen.c\n", gnu_get_libc_version());
	printf("# block first_arg_bits fnv1a64_of_results\n");
	for (uint64_t blk = 0; blk < (1ULL << (32 - BLOCK_BITS)); blk++) {
		uint64_t h = 14695981039346656037ULL;
		for (uint64_t i = 0; i < (1ULL << BLOCK_BITS); i++) {
			uint32_t b = (uint32_t)(blk << BLOCK_BITS | i), r;
			float x, y;
			memcpy(&x, &b, 4);
			y = expf(x);
			memcpy(&r, &y, 4);
			if (y != y)
				r = 0x7fc00000;
			for (int k = 0; k < 4; k++) {
				h ^= (r >> (8 * k)) & 0xff;
				h *= 1099511628211ULL;
			}
		}
		printf("%llu %08llx %016llx\n", (unsigned long long)blk, (unsigned long long)(blk << BLOCK_BITS),
		       (unsigned long long)h);
	}
	return 0;
}
