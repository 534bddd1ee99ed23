/* Growable strings: see sbuf.h. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void sbuf_free(struct sbuf *b)
{
	free(b->p);
	sbuf_init(b);
}

static int reserve(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if(b->oom)
		return -1;
	if(b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while(cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if(!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if(reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if(n > 0)
		sbuf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void sbuf_array_elem(struct sbuf *b, const char *s)
{
	sbuf_add(b, "\"", 1);
	for(; *s; s++) {
		if(*s == '"' || *s == '\\')
			sbuf_add(b, "\\", 1);
		sbuf_add(b, s, 1);
	}
	sbuf_add(b, "\"", 1);
}
