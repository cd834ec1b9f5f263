/*
 * lexer.h - splits .uvs text into lines of words (internal to the parser).
 *
 * SCENARIO.md "Lexical rules": one statement per line, `#` starts a comment,
 * words are separated by spaces or tabs.  The lexer knows nothing of
 * statements; it hands the parser one non-empty line at a time.
 */
#ifndef SCENARIO_LEXER_H
#define SCENARIO_LEXER_H

#include <stddef.h>

struct scenario_lexer {
	const char *name;	/* file name, for messages */
	const char *text;
	size_t len;
	size_t pos;		/* start of the next line in text */
	unsigned int line;	/* line number of the current words */
	char *buf;		/* the current line, each word NUL-terminated */
	size_t buf_cap;
	char **words;		/* pointers into buf */
	size_t nr_words;
	size_t words_cap;
};

void scenario_lexer_init(struct scenario_lexer *lx, const char *name,
			 const char *text, size_t len);
/*
 * Advance to the next line that has words: 1 when there is one (lx->words,
 * lx->nr_words, lx->line), 0 at the end of the text, -EINVAL (a NUL byte)
 * or -ENOMEM with "FILE:LINE: message" in err.  The words stay valid, and
 * writable, until the next call.
 */
int scenario_lexer_next(struct scenario_lexer *lx, char *err, size_t errlen);
void scenario_lexer_release(struct scenario_lexer *lx);

/*
 * A word as it can be shown in a message: non-printable bytes as \xNN, and
 * cut with "..." past a screenful.  Returns dst.
 */
const char *scenario_quote(const char *word, char *dst, size_t dstlen);

#endif /* SCENARIO_LEXER_H */
