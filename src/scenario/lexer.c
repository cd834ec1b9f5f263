/*
 * lexer.c - .uvs text to lines of words.
 *
 * The text is split at '\n'; a '#' ends the line's words; spaces, tabs and
 * '\r' (files written on Windows) separate words.  A NUL byte is an error:
 * it would silently cut the statement short in C strings.
 */
#include "lexer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scenario_lexer_init(struct scenario_lexer *lx, const char *name,
			 const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->name = name;
	lx->text = text;
	lx->len = len;
}

void scenario_lexer_release(struct scenario_lexer *lx)
{
	free(lx->buf);
	free(lx->words);
	lx->buf = NULL;
	lx->words = NULL;
	lx->buf_cap = lx->words_cap = lx->nr_words = 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int push_word(struct scenario_lexer *lx, char *word)
{
	if (lx->nr_words == lx->words_cap) {
		size_t cap = lx->words_cap ? lx->words_cap * 2 : 16;
		char **words = realloc(lx->words, cap * sizeof(*words));

		if (!words)
			return -ENOMEM;
		lx->words = words;
		lx->words_cap = cap;
	}
	lx->words[lx->nr_words++] = word;
	return 0;
}

/* Copy line [start, end) into buf and split it; the comment is dropped. */
static int split_line(struct scenario_lexer *lx, size_t start, size_t end)
{
	size_t n = end - start, i;
	char *p;

	if (n + 1 > lx->buf_cap) {
		char *buf = realloc(lx->buf, n + 1);

		if (!buf)
			return -ENOMEM;
		lx->buf = buf;
		lx->buf_cap = n + 1;
	}
	memcpy(lx->buf, lx->text + start, n);
	lx->buf[n] = '\0';
	p = memchr(lx->buf, '#', n);
	if (p) {
		*p = '\0';
		n = (size_t)(p - lx->buf);
	}
	lx->nr_words = 0;
	i = 0;
	while (i < n) {
		while (i < n && is_blank(lx->buf[i]))
			lx->buf[i++] = '\0';
		if (i == n)
			break;
		if (push_word(lx, lx->buf + i))
			return -ENOMEM;
		while (i < n && !is_blank(lx->buf[i]))
			i++;
	}
	return 0;
}

int scenario_lexer_next(struct scenario_lexer *lx, char *err, size_t errlen)
{
	while (lx->pos < lx->len) {
		size_t start = lx->pos, end;
		const char *nl = memchr(lx->text + start, '\n', lx->len - start);
		const char *nul;
		int ret;

		end = nl ? (size_t)(nl - lx->text) : lx->len;
		lx->pos = nl ? end + 1 : lx->len;
		if (lx->line == ~0U) {
			snprintf(err, errlen, "%s:%u: too many lines", lx->name,
				 lx->line);
			return -EINVAL;
		}
		lx->line++;
		nul = memchr(lx->text + start, '\0', end - start);
		if (nul) {
			snprintf(err, errlen,
				 "%s:%u: expected text, found a NUL byte (column %zu)",
				 lx->name, lx->line,
				 (size_t)(nul - (lx->text + start)) + 1);
			return -EINVAL;
		}
		ret = split_line(lx, start, end);
		if (ret) {
			snprintf(err, errlen, "%s:%u: out of memory", lx->name,
				 lx->line);
			return ret;
		}
		if (lx->nr_words)
			return 1;
	}
	lx->nr_words = 0;
	return 0;
}

const char *scenario_quote(const char *word, char *dst, size_t dstlen)
{
	/* Enough to recognise the word; a whole fuzzed line helps nobody. */
	const size_t shown_max = 48;
	size_t out = 0, i;

	if (!dstlen)
		return dst;
	for (i = 0; word[i]; i++) {
		unsigned char c = (unsigned char)word[i];
		char piece[8];
		size_t n;

		if (i == shown_max) {
			snprintf(piece, sizeof(piece), "...");
			n = 3;
		} else if (c < 0x20 || c >= 0x7f || c == '\'') {
			n = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", c);
		} else {
			piece[0] = (char)c;
			n = 1;
		}
		if (out + n + 1 > dstlen)
			break;
		memcpy(dst + out, piece, n);
		out += n;
		if (i == shown_max)
			break;
	}
	dst[out] = '\0';
	return dst;
}
