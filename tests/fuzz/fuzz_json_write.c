/*
 * libFuzzer: the claims writer against jansson. Any input as a string
 * value: the UTF-8 verdict must equal jansson's, an accepted value must
 * read back byte-exact, and the raw member must not change the verdict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "p2pcd/json_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[8 * 4096 + 64];
	struct p2pcd_jw w;
	json_t *j, *s;
	long n;
	int ok;

	if(size > 4096)
		return 0;
	ok = p2pcd_utf8_valid((const char *)data, size);
	s = json_stringn((const char *)data, size);
	if(ok != (s != NULL))
		abort();
	json_decref(s);
	p2pcd_jw_begin(&w, buf, sizeof(buf));
	p2pcd_jw_str(&w, "v", (const char *)data, size);
	p2pcd_jw_int(&w, "n", (int64_t)size * 7919 - 1000000);
	n = p2pcd_jw_end(&w);
	if(!ok) {
		if(n != -1)
			abort();
		return 0;
	}
	if(n < 0 || (size_t)n != strlen(buf))
		abort();
	j = json_loadb(buf, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	if(!j)
		abort();
	s = json_object_get(j, "v");
	if(json_string_length(s) != size
			|| memcmp(json_string_value(s), data, size) != 0
			|| json_integer_value(json_object_get(j, "n"))
					   != (json_int_t)size * 7919 - 1000000)
		abort();
	json_decref(j);
	return 0;
}
