/* Container header: layout, checks, and the error messages. */
#include <string.h>

#include "container_int.h"

const char *p2pcd_container_strerror(enum p2pcd_cont_err e)
{
	switch(e) {
		case P2PCD_CONT_OK:
			return "success";
		case P2PCD_CONT_E_SHORT_HEADER:
			return "file too short for a p2pcd container header "
				   "(empty or truncated)";
		case P2PCD_CONT_E_MAGIC:
			return "not a p2pcd container (bad magic)";
		case P2PCD_CONT_E_VERSION:
			return "unsupported container version or cipher suite "
				   "(upgrade p2pcd)";
		case P2PCD_CONT_E_HEADER:
			return "malformed container header (reserved bits set or "
				   "chunk size out of range)";
		case P2PCD_CONT_E_KID:
			return "the file's KID is not the key's KID: this key is for "
				   "another file";
		case P2PCD_CONT_E_KEY:
			return "wrong key for this file, or its header was modified";
		case P2PCD_CONT_E_AUTH:
			return "authentication failed: the file was modified, "
				   "truncated, reordered or extended; download it again";
		case P2PCD_CONT_E_TRUNCATED:
			return "file is truncated: it ends before its final chunk; "
				   "download it again";
		case P2PCD_CONT_E_READ:
			return "reading the input failed";
		case P2PCD_CONT_E_WRITE:
			return "writing the output failed";
		case P2PCD_CONT_E_OUTPUT:
			return "creating or renaming the output file failed";
		case P2PCD_CONT_E_NOMEM:
			return "out of memory";
		case P2PCD_CONT_E_CRYPTO:
			return "cryptographic library failure";
		case P2PCD_CONT_E_ARG:
			return "invalid argument";
	}
	return "unknown error";
}

int p2pcd_container_sniff(const uint8_t *buf, size_t len)
{
	return len >= P2PCD_CONT_MAGIC_LEN
		   && memcmp(buf, P2PCD_CONT_MAGIC, P2PCD_CONT_MAGIC_LEN) == 0;
}

uint64_t p2pcd_container_size(uint64_t plain_len, uint32_t chunk_size)
{
	uint64_t chunks, total;

	if(chunk_size == 0)
		return 0;
	/* every full chunk, plus the short final one (possibly empty) */
	chunks = plain_len / chunk_size + 1;
	if(chunks > (UINT64_MAX - P2PCD_CONT_HEADER_LEN - plain_len)
						/ P2PCD_CONT_TAG_LEN)
		return 0;
	total = P2PCD_CONT_HEADER_LEN + plain_len + chunks * P2PCD_CONT_TAG_LEN;
	return total;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
		   | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

enum p2pcd_cont_err p2pcd_container_header_parse(
		const uint8_t *buf, size_t len, struct p2pcd_cont_header *h)
{
	if(!buf || !h)
		return P2PCD_CONT_E_ARG;
	/* say "not a container" as early as the bytes allow */
	if(len < P2PCD_CONT_MAGIC_LEN)
		return memcmp(buf, P2PCD_CONT_MAGIC, len) ? P2PCD_CONT_E_MAGIC
												  : P2PCD_CONT_E_SHORT_HEADER;
	if(!p2pcd_container_sniff(buf, len))
		return P2PCD_CONT_E_MAGIC;
	if(len < P2PCD_CONT_HEADER_LEN)
		return P2PCD_CONT_E_SHORT_HEADER;
	memset(h, 0, sizeof(*h));
	h->version = buf[CONT_OFF_VERSION];
	h->suite = buf[CONT_OFF_SUITE];
	if(h->version != P2PCD_CONT_VERSION
			|| h->suite != P2PCD_CONT_SUITE_AES256GCM)
		return P2PCD_CONT_E_VERSION;
	if(buf[CONT_OFF_FLAGS] != 0 || buf[CONT_OFF_FLAGS + 1] != 0)
		return P2PCD_CONT_E_HEADER;
	h->chunk_size = get_be32(buf + CONT_OFF_CHUNK);
	if(h->chunk_size < P2PCD_CONT_MIN_CHUNK
			|| h->chunk_size > P2PCD_CONT_MAX_CHUNK)
		return P2PCD_CONT_E_HEADER;
	memcpy(h->kid, buf + CONT_OFF_KID, P2PCD_CONT_KID_LEN);
	memcpy(h->salt, buf + CONT_OFF_SALT, P2PCD_CONT_SALT_LEN);
	memcpy(h->commit, buf + CONT_OFF_COMMIT, P2PCD_CONT_COMMIT_LEN);
	return P2PCD_CONT_OK;
}

void p2pcd_cont_header_write(
		uint8_t out[P2PCD_CONT_HEADER_LEN], const struct p2pcd_cont_header *h)
{
	memcpy(out, P2PCD_CONT_MAGIC, P2PCD_CONT_MAGIC_LEN);
	out[CONT_OFF_VERSION] = h->version;
	out[CONT_OFF_SUITE] = h->suite;
	out[CONT_OFF_FLAGS] = 0;
	out[CONT_OFF_FLAGS + 1] = 0;
	put_be32(out + CONT_OFF_CHUNK, h->chunk_size);
	memcpy(out + CONT_OFF_KID, h->kid, P2PCD_CONT_KID_LEN);
	memcpy(out + CONT_OFF_SALT, h->salt, P2PCD_CONT_SALT_LEN);
	memcpy(out + CONT_OFF_COMMIT, h->commit, P2PCD_CONT_COMMIT_LEN);
}
