/* A growable string for building SQL array literals. */
#ifndef P2PCD_TRACKER_SBUF_H
#define P2PCD_TRACKER_SBUF_H

#include <stddef.h>

struct sbuf
{
	char *p;
	size_t len, cap;
	int oom; /* sticky: set on the first failed growth */
};

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* s as a double-quoted PostgreSQL array element */
void sbuf_array_elem(struct sbuf *b, const char *s);

#endif
