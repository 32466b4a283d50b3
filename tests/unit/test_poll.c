/*
 * test_poll.c - the pure parts of the poll service: the reply grammars
 * (polls.md 4), HMAC-SHA256 (RFC 4231) and the respondent key, the poll
 * file parser with file:line errors, the shipped P1-P4, and the tallies
 * (polls.md 8) against a hand computation with Borda ties, ratings and
 * small-cell suppression; the mayor's page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "file.h"
#include "polls.h"
#include "table.h"
#include "util.h"

static enum poll_answer
ans(enum poll_qtype type, int k, int nopts, int skip, const char *text,
    char *out)
{
	struct poll_question q;

	memset(&q, 0, sizeof(q));
	q.type = type;
	q.k = k;
	q.nopts = nopts;
	q.skip = skip;
	return poll_answer_parse(&q, text, out, 16);
}

static void
test_grammar_rank(void **state)
{
	char v[16];

	(void)state;
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "527", v), POLL_ANS_VALID);
	assert_string_equal(v, "527");
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "5 2 7", v), POLL_ANS_VALID);
	assert_string_equal(v, "527");
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, " 5,2,7. ", v),
	    POLL_ANS_VALID);
	assert_string_equal(v, "527");
	/* Duplicates dropped, order kept; fewer than k accepted. */
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "5 5 2", v), POLL_ANS_VALID);
	assert_string_equal(v, "52");
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "4", v), POLL_ANS_VALID);
	assert_string_equal(v, "4");
	/* Out of the options, more than k, letters: invalid. */
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "528", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "5271", v),
	    POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "5a", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 0, "0", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RANK, 3, 7, 1, "0", v), POLL_ANS_SKIP);
}

static void
test_grammar_other(void **state)
{
	char v[16];

	(void)state;
	assert_int_equal(ans(POLL_Q_YESNO, 1, 0, 0, "DA", v), POLL_ANS_VALID);
	assert_string_equal(v, "1");
	assert_int_equal(ans(POLL_Q_YESNO, 1, 0, 0, "igen", v), POLL_ANS_VALID);
	assert_string_equal(v, "1");
	assert_int_equal(ans(POLL_Q_YESNO, 1, 0, 0, "Nu.", v), POLL_ANS_VALID);
	assert_string_equal(v, "2");
	assert_int_equal(ans(POLL_Q_YESNO, 1, 0, 0, "NEM", v), POLL_ANS_VALID);
	assert_string_equal(v, "2");
	assert_int_equal(ans(POLL_Q_YESNO, 1, 0, 0, "3", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_YESNO, 1, 0, 0, "poate", v),
	    POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_SINGLE, 1, 6, 0, " 3 ", v), POLL_ANS_VALID);
	assert_string_equal(v, "3");
	assert_int_equal(ans(POLL_Q_SINGLE, 1, 6, 0, "7", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_SINGLE, 1, 6, 0, "34", v),
	    POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RATING5, 1, 0, 0, "5", v), POLL_ANS_VALID);
	assert_int_equal(ans(POLL_Q_RATING5, 1, 0, 0, "6", v), POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RATING10, 1, 0, 0, "10", v),
	    POLL_ANS_VALID);
	assert_string_equal(v, "10");
	assert_int_equal(ans(POLL_Q_RATING10, 1, 0, 0, "11", v),
	    POLL_ANS_INVALID);
	assert_int_equal(ans(POLL_Q_RATING10, 1, 0, 0, "0", v),
	    POLL_ANS_INVALID);
}

/* RFC 4231 test cases 1 and 2. */
static void
test_hmac(void **state)
{
	uint8_t key[20], mac[32];
	char hex[65], k1[POLL_KEY_HEX], k2[POLL_KEY_HEX];
	const uint8_t s1[32] = { 1 }, s2[32] = { 2 };

	(void)state;
	memset(key, 0x0b, sizeof(key));
	poll_hmac_sha256(key, sizeof(key), "Hi There", 8, mac);
	poll_hex(mac, 32, hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	poll_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	poll_hex(mac, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	/* The key depends on the poll's secret: not joinable across polls. */
	poll_key(s1, 32, "+40722100001", k1);
	poll_key(s2, 32, "+40722100001", k2);
	assert_string_not_equal(k1, k2);
	assert_int_equal(strlen(k1), 64);
	assert_int_equal(poll_unhex("0aff", key, sizeof(key)), 2);
	assert_int_equal(key[1], 0xff);
	assert_int_equal(poll_unhex("0g", key, sizeof(key)), -1);
}

static void
test_file_errors(void **state)
{
	struct poll_def d;
	struct buf e;
	int n;

	(void)state;
	buf_init(&e, 0);
	n = poll_def_parse("poll: X\nintro ro: a\nend ro: b\n"
	    "question Q1: rank_3\n  ro: x\n  option: a\n  option: b\n"
	    "question Q1: maybe\n  ro: y\nfoo bar\n", "t.poll", &d, &e);
	assert_true(n >= 3);
	assert_non_null(strstr(e.data, "t.poll:4: rank_K with K above"));
	assert_non_null(strstr(e.data, "t.poll:8: question id used twice"));
	assert_non_null(strstr(e.data, "t.poll:8: unknown question type"));
	assert_non_null(strstr(e.data, "t.poll:10: expected 'name: value'"));
	poll_def_clear(&d);
	buf_free(&e);
}

static void
test_shipped_polls(void **state)
{
	const char *files[] = { "flows/poll/polls/P1.poll",
	    "flows/poll/polls/P2.poll", "flows/poll/polls/P3.poll",
	    "flows/poll/polls/P4.poll" };
	struct poll_def d;
	struct buf out;
	char *src, *t;
	size_t len;

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		assert_int_equal(file_read(files[i], 65536, &src, &len, NULL,
		    0), 0);
		assert_int_equal(poll_def_parse(src, files[i], &d, NULL), 0);
		buf_init(&out, 0);
		/* GSM-7, at most 2 SMS per message (polls.md 4). */
		assert_int_equal(poll_def_costs(&d, files[i], &out), 0);
		buf_free(&out);
		poll_def_clear(&d);
		free(src);
	}
	assert_int_equal(file_read(files[0], 65536, &src, &len, NULL, 0), 0);
	assert_int_equal(poll_def_parse(src, files[0], &d, NULL), 0);
	assert_int_equal(d.nq, 5);
	assert_int_equal(d.q[0].type, POLL_Q_RANK);
	assert_int_equal(d.q[0].k, 3);
	assert_int_equal(d.q[0].nopts, 7);
	assert_string_equal(d.q[3].segment, "K1");
	t = poll_question_text(&d, 1, 0);
	assert_non_null(strstr(t, "campania de informare"));
	assert_non_null(strstr(t, "\n6 Implicare civica"));
	free(t);
	poll_def_clear(&d);
	free(src);
}

/* A poll with a rank_3 question, a rating5 and a K1 segment. */
static const char tally_poll[] =
    "poll: T\nintro ro: i\nend ro: e\n"
    "question Q1: rank_3\n  ro: q\n"
    "  option: o1\n  option: o2\n  option: o3\n  option: o4\n"
    "  option: o5\n  option: o6\n  option: o7\n"
    "question Q2: rating5\n  ro: r\n"
    "question K: yesno\n  segment: K1\n  ro: k\n";

#define R(k, q, v, ok) { k, q, v, ok, "sms" }

static void
test_tally_borda(void **state)
{
	/* Hand computation (3-2-1 points):
	 *   a: 6    b: 142    c: 342    d: 152    e: 42    f: 214
	 *   1: 3+3+2 = 8, 2 firsts, 3 mentions
	 *   2: 1+1+1+2+3 = 8, 1 first, 5 mentions
	 *   4: 2+2+3+1 = 8, 1 first, 4 mentions
	 *   3: 3 and 6: 3 (1 first, 1 mention each: option order), 5: 2
	 * Order 1, 2, 4, 3, 6, 5, 7; total 32 points. */
	const struct poll_answer_row rows[] = {
		R("a", "Q1", "6", 1), R("b", "Q1", "142", 1),
		R("c", "Q1", "342", 1), R("d", "Q1", "152", 1),
		R("e", "Q1", "42", 1), R("f", "Q1", "214", 1),
		R("g", "Q1", "", 0),
		R("a", "Q2", "5", 1), R("b", "Q2", "4", 1),
		R("c", "Q2", "2", 1), R("d", "Q2", "5", 1),
		R("e", "Q2", "1", 1), R("f", "Q2", "", 2),
		R("a", "K", "1", 1), R("b", "K", "1", 1), R("c", "K", "2", 1),
	};
	struct poll_def d;
	struct poll_tally t;
	struct table *tb;
	int order[10], want[] = { 0, 1, 3, 2, 5, 4, 6 };
	char *html, *head;
	struct poll_html_info in;

	(void)state;
	assert_int_equal(poll_def_parse(tally_poll, "t", &d, NULL), 0);
	poll_tally_compute(&d, rows, NELEM(rows), NULL, NULL, &t);
	assert_int_equal(t.respondents, 6);
	assert_false(t.suppressed);
	assert_int_equal(t.q[0].valid, 6);
	assert_int_equal(t.q[0].invalid, 1);
	assert_int_equal(t.q[0].total_points, 32);
	assert_int_equal(t.q[0].opt[0].borda, 8);
	assert_int_equal(t.q[0].opt[1].borda, 8);
	assert_int_equal(t.q[0].opt[3].borda, 8);
	assert_int_equal(t.q[0].opt[0].first, 2);
	assert_int_equal(t.q[0].opt[1].mentions, 5);
	assert_int_equal(poll_tally_order(&d, &t, 0, order), 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(order[i], want[i]);
	/* Ratings: 5 4 2 5 1 -> mean 3.4, median 4, top-2 3; one skip. */
	assert_int_equal(t.q[1].valid, 5);
	assert_int_equal(t.q[1].skipped, 1);
	assert_true(t.q[1].mean > 3.39 && t.q[1].mean < 3.41);
	assert_true(t.q[1].median > 3.99 && t.q[1].median < 4.01);
	assert_int_equal(t.q[1].top2, 3);
	/* Segment K1 = 1: two respondents, suppressed. */
	poll_tally_compute(&d, rows, NELEM(rows), "K", "1", &t);
	assert_string_equal(t.segment, "K1=1");
	assert_int_equal(t.respondents, 2);
	assert_true(t.suppressed);
	tb = poll_tally_table(&d, rows, NELEM(rows), 9, 1);
	assert_string_equal(table_get(tb, 0, 1), "invited");
	assert_string_equal(table_get(tb, 0, 4), "9");
	/* Row 5 is the first Q1 option: option 1 with 8 points. */
	assert_string_equal(table_get(tb, 4, 2), "1");
	assert_string_equal(table_get(tb, 4, 6), "8");
	for (size_t r = 0; r < tb->nrows; r++)
		if (strcmp(table_get(tb, r, 0), "K1=1") == 0 &&
		    strcmp(table_get(tb, r, 1), "respondents") == 0)
			assert_string_equal(table_get(tb, r, 4), "< 5");
	table_free(tb);
	head = poll_tally_headline(&d, rows, NELEM(rows), 0);
	assert_string_equal(head, "o1");
	free(head);
	memset(&in, 0, sizeof(in));
	in.commune = "Apata <&>";
	in.invited = 9;
	html = poll_html(&d, rows, NELEM(rows), &in);
	assert_non_null(strstr(html, "<svg"));
	assert_non_null(strstr(html, "Apata &lt;&amp;&gt;"));
	assert_non_null(strstr(html, "Rata de raspuns:</b> 67%"));
	free(html);
	poll_def_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar_rank),
		cmocka_unit_test(test_grammar_other),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_shipped_polls),
		cmocka_unit_test(test_tally_borda),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
