/*
 * test_flow_parse.c - the flow file parser (flows/flow_parse.c) and the
 * set checks (flows/flow_load.c): valid files, every kind of error with
 * its line number, and the load-time warnings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "flow.h"
#include "gateway.h"
#include "service.h"
#include "flow_int.h"
#include "log.h"
#include "util.h"

struct parsed {
	struct flow_def *def;
	struct buf errors;
	struct buf warnings;
	int nerrors;
	int nwarnings;
};

static void
parse(struct parsed *p, const char *src)
{
	struct flow_diag d;

	memset(p, 0, sizeof(*p));
	buf_init(&p->errors, 0);
	buf_init(&p->warnings, 0);
	memset(&d, 0, sizeof(d));
	d.errors = &p->errors;
	d.warnings = &p->warnings;
	p->def = flow_parse("t.flow", src, strlen(src), &d);
	p->nerrors = d.nerrors;
	p->nwarnings = d.nwarnings;
}

static void
parsed_free(struct parsed *p)
{
	flow_def_free(p->def);
	buf_free(&p->errors);
	buf_free(&p->warnings);
}

static const char valid_src[] =
    "# a comment\n"
    "flow: test\n"
    "title: A test flow\n"
    "keywords: Test, ÎNCERCARE, proba doi\n"
    "when busy: ignore\n"
    "continue by sms: send\n"
    "reprompt after: 30m\n"
    "expire after: 1d\n"
    "ussd code: *123*9#, any\n"
    "help ro: Ajutor aici\n"
    "\n"
    "step intro: send\n"
    "  ro: Buna\n"
    "  hu: Jo napot\n"
    "\n"
    "step q1: ask menu 1-3\n"
    "  ro: Alege\n"
    "  ro: 1 A\n"
    "  ro: 2 B\n"
    "  en: Choose\n"
    "  invalid ro: Doar 1, 2 sau 3\n"
    "  save: alegere\n"
    "  tries: 2\n"
    "  if 1: q2\n"
    "  if 2-3: gata\n"
    "  if invalid: end\n"
    "step q2: ask pattern ([0-9]{8})\n"
    "  ro: Codul?\n"
    "  private: yes\n"
    "step b: branch alegere\n"
    "  if 1: gata\n"
    "  next: end\n"
    "step s: save x = {alegere}!\n"
    "step a: action set-language\n"
    "  if ro: gata\n"
    "step gata: end\n"
    "  ro: Multumim, {alegere}.\n";

static void
test_valid(void **state)
{
	struct parsed p;
	const struct flow_def *d;
	const struct flow_node *n;

	(void)state;
	parse(&p, valid_src);
	assert_int_equal(p.nerrors, 0);
	assert_non_null(p.def);
	d = p.def;
	assert_string_equal(d->name, "test");
	assert_string_equal(d->title, "A test flow");
	assert_int_equal(d->nkeywords, 3);
	assert_string_equal(d->keywords[0], "TEST");
	assert_string_equal(d->keywords[1], "INCERCARE");
	assert_string_equal(d->keywords[2], "PROBA DOI");
	assert_int_equal(d->busy, FLOW_BUSY_IGNORE);
	assert_int_equal(d->after_ussd, FLOW_AFTER_USSD_SEND);
	assert_int_equal(d->reprompt_s, 1800);
	assert_int_equal(d->expiry_s, 86400);
	assert_int_equal(d->nussd_codes, 2);
	assert_string_equal(d->help.s[FLOW_LANG_RO], "Ajutor aici");
	assert_int_equal(d->nnodes, 7);
	assert_int_equal(strlen(d->version), 16);
	n = &d->nodes[0];
	assert_int_equal(n->kind, FLOW_NODE_SEND);
	assert_string_equal(n->text.s[FLOW_LANG_HU], "Jo napot");
	assert_null(n->text.s[FLOW_LANG_EN]);
	assert_int_equal(n->next_idx, 1);
	n = &d->nodes[1];
	assert_int_equal(n->kind, FLOW_NODE_ASK);
	assert_int_equal(n->ask, FLOW_ASK_MENU);
	assert_int_equal(n->lo, 1);
	assert_int_equal(n->hi, 3);
	assert_string_equal(n->text.s[FLOW_LANG_RO], "Alege\n1 A\n2 B");
	assert_string_equal(n->field, "alegere");
	assert_int_equal(n->tries, 2);
	assert_int_equal(n->ncases, 3);
	assert_int_equal(n->cases[0].target_idx, 2);
	assert_null(n->cases[1].value);
	assert_int_equal(n->cases[1].lo, 2);
	assert_int_equal(n->cases[1].hi, 3);
	assert_int_equal(n->cases[1].target_idx, 6);
	assert_int_equal(n->cases[2].target_idx, -1);
	n = &d->nodes[2];
	assert_int_equal(n->ask, FLOW_ASK_PATTERN);
	assert_non_null(n->re);
	assert_true(n->private_input);
	assert_string_equal(n->field, "q2"); /* default: the step name */
	n = &d->nodes[3];
	assert_int_equal(n->kind, FLOW_NODE_BRANCH);
	assert_int_equal(n->next_idx, -1);
	n = &d->nodes[4];
	assert_int_equal(n->kind, FLOW_NODE_SAVE);
	assert_string_equal(n->field, "x");
	assert_string_equal(n->value, "{alegere}!");
	n = &d->nodes[5];
	assert_int_equal(n->kind, FLOW_NODE_ACTION);
	assert_string_equal(n->target_name, "set-language");
	assert_string_equal(n->cases[0].value, "RO");
	n = &d->nodes[6];
	assert_int_equal(n->kind, FLOW_NODE_END);
	parsed_free(&p);
}

static void
test_version_changes_with_bytes(void **state)
{
	struct parsed a, b;

	(void)state;
	parse(&a, "flow: v\nstep s: end\n");
	parse(&b, "flow: v\nstep s: end\n  ro: x\n");
	assert_non_null(a.def);
	assert_non_null(b.def);
	assert_string_not_equal(a.def->version, b.def->version);
	parsed_free(&a);
	parsed_free(&b);
}

/* One source, the error line it must produce. */
struct bad_case {
	const char *src;
	const char *want; /* substring of the error report */
};

static const struct bad_case bad_cases[] = {
	{ "title: x\nflow: a\nstep s: end\n",
	  "t.flow:1: the file must start with \"flow: NAME\"" },
	{ "flow: a\ncolour: red\nstep s: end\n",
	  "t.flow:2: unknown key \"colour\"" },
	{ "flow: Bad Name\nstep s: end\n", "t.flow:1: bad flow name" },
	{ "flow: a\ntitle: x\ntitle: y\nstep s: end\n",
	  "t.flow:3: \"title\" given twice" },
	{ "flow: a\nro: hello\nstep s: end\n",
	  "t.flow:2: text line outside a step" },
	{ "flow: a\nstep s\n", "t.flow:2: expected \"step NAME: KIND\"" },
	{ "flow: a\nstep s: jump\n", "t.flow:2: unknown step kind \"jump\"" },
	{ "flow: a\nstep s: ask colour\n  ro: x\n",
	  "t.flow:2: ask: unknown question kind \"colour\"" },
	{ "flow: a\nstep s: ask menu 5-1\n  ro: x\n",
	  "t.flow:2: ask menu: expected the choices" },
	{ "flow: a\nstep s: ask menu 1-99\n  ro: x\n",
	  "t.flow:2: ask menu: expected the choices" },
	{ "flow: a\nstep s: ask number\n  ro: x\n",
	  "t.flow:2: ask number: expected a range" },
	{ "flow: a\nstep s: ask text 9999\n  ro: x\n",
	  "t.flow:2: ask text: the maximum length" },
	{ "flow: a\n\nstep s: ask pattern ([a-z]\n  ro: x\n",
	  "t.flow:3: ask pattern: bad pattern at character" },
	{ "flow: a\nstep s: ask pattern\n  ro: x\n",
	  "t.flow:2: ask pattern: the pattern is missing" },
	{ "flow: a\nstep s: ask date later\n  ro: x\n",
	  "t.flow:2: ask date takes nothing" },
	{ "flow: a\nstep s: end\nstep s: end\n",
	  "t.flow:3: step \"s\" already defined at line 2" },
	{ "flow: a\nstep end: end\n", "t.flow:2: bad step name \"end\"" },
	{ "flow: a\nstep s: send\n  ro: x\n  next: nowhere\n",
	  "t.flow:4: no step named \"nowhere\"" },
	{ "flow: a\nstep s: ask yesno\n  ro: x\n  if yes: nowhere\n",
	  "t.flow:4: no step named \"nowhere\"" },
	{ "flow: a\nstep s: ask menu 1-3\n  ro: x\n  if 4: end\n",
	  "t.flow:4: if 4: outside the answers 1-3" },
	{ "flow: a\nstep s: ask menu 1-3\n  ro: x\n  if unu: end\n",
	  "t.flow:4: if unu: expected a number or a range" },
	{ "flow: a\nstep s: ask yesno\n  ro: x\n  if maybe: end\n",
	  "t.flow:4: if maybe: a yes/no question has the answers" },
	{ "flow: a\nstep s: ask menu 1-5\n  ro: x\n  if 1-3: end\n"
	  "  if 3: end\n", "t.flow:5: if 3: overlaps the \"if\" at line 4" },
	{ "flow: a\nstep s: ask yesno\n  ro: x\n  if da: end\n"
	  "  if yes: end\n", "t.flow:5: if yes: overlaps" },
	{ "flow: a\n\nstep s: ask yesno\n  hu: x\n",
	  "t.flow:3: step s has no Romanian text (ro:)" },
	{ "flow: a\nstep s: send\n  ro: x\n  if 1: end\n",
	  "t.flow:4: \"if\" belongs to ask, branch and action steps" },
	{ "flow: a\nstep s: send\n  ro: x\n  save: f\n",
	  "t.flow:4: \"save\" belongs to ask steps" },
	{ "flow: a\nstep s: ask yesno\n  ro: x\n  tries: 11\n",
	  "t.flow:4: tries: expected a number from 1 to 10" },
	{ "flow: a\nstep s: ask yesno\n  ro: x\n  save: Bad Field\n",
	  "t.flow:4: save: bad field name" },
	{ "flow: a\nstep s: ask yesno\n  ro: x\n  colour: red\n",
	  "t.flow:4: unknown key \"colour\" in a step" },
	{ "flow: a\nstep s: ask yesno\n  de: Hallo\n  ro: x\n",
	  "t.flow:3: unknown key \"de\" in a step" },
	{ "flow: a\nstep s: branch f\n  ro: x\n",
	  "t.flow:3: a step that does not talk has no text" },
	{ "flow: a\nstep s: send\n  ro: x\n  invalid ro: y\n",
	  "t.flow:4: \"invalid\" texts belong to ask steps" },
	{ "flow: a\nstep s: end\n  next: s\n",
	  "t.flow:3: an end step has no next" },
	{ "flow: a\nstep s: send\n  ro: x\n  next: s\n  next: s\n",
	  "t.flow:5: \"next\" given twice" },
	{ "flow: a\nstep s: save = 1\n", "t.flow:2: save: bad field name" },
	{ "flow: a\nstep s: save f\n", "t.flow:2: save: expected" },
	{ "flow: a\nstep s: branch\n", "t.flow:2: branch: expected a field" },
	{ "flow: a\nstep s: start Other\n",
	  "t.flow:2: start: expected a flow" },
	{ "flow: a\nstep s: end now\n", "t.flow:2: \"end\" takes nothing" },
	{ "flow: a\nreprompt after: 4x\nstep s: end\n",
	  "t.flow:2: bad duration \"4x\"" },
	{ "flow: a\nexpire after: 0\nstep s: end\n",
	  "t.flow:2: expire after: 0 would never end" },
	{ "flow: a\nexpire after: 400d\nstep s: end\n",
	  "t.flow:2: duration \"400d\" is longer than a year" },
	{ "flow: a\nkeywords: 123\nstep s: end\n",
	  "t.flow:2: keyword \"123\" is a number" },
	{ "flow: a\nkeywords: ab, AB!\nstep s: end\n",
	  "t.flow:2: keyword \"AB\" given twice" },
	{ "flow: a\nkeywords: ab, ,cd\nstep s: end\n",
	  "t.flow:2: empty keyword" },
	{ "flow: a\nwhen busy: sometimes\nstep s: end\n",
	  "t.flow:2: when busy: expected interrupt or ignore" },
	{ "flow: a\ncatch-all: perhaps\nstep s: end\n",
	  "t.flow:2: expected yes or no" },
	{ "flow: a\nchannels: sms, fax\nstep s: end\n",
	  "t.flow:2: unknown channel \"fax\"" },
	{ "flow: a\nussd code: 123abc\nstep s: end\n",
	  "t.flow:2: bad USSD code" },
	{ "flow: a\nstep s: end\nmessage hello\n  ro: x\n",
	  "t.flow:3: unknown message \"hello\"" },
	{ "flow: a\nstep s: end\nmessage help\n  hu: x\n",
	  "t.flow:3: message help has no Romanian text" },
	{ "flow: a\nstep s: end\nmessage help\n  ro: x\nmessage help\n",
	  "t.flow:5: message help already defined at line 3" },
	{ "flow: a\nstep s: end\nmessage help\n  save: x\n",
	  "t.flow:4: a message block holds only ro:, hu: and en: lines" },
	{ "flow: a\nstep s: end\n  ro: bad \xff byte\n",
	  "t.flow:3: not valid UTF-8 text" },
	{ "flow: a\nhello\nstep s: end\n",
	  "t.flow:2: expected \"key: value\"" },
	{ "flow: a\n", "t.flow:1: flow a has no steps" },
	{ "", "t.flow:1: the file must start with \"flow: NAME\"" },
};

static void
test_errors(void **state)
{
	struct parsed p;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad_cases); i++) {
		parse(&p, bad_cases[i].src);
		if (p.def != NULL || p.errors.data == NULL ||
		    strstr(p.errors.data, bad_cases[i].want) == NULL)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
			    bad_cases[i].want, p.errors.data != NULL ?
			    p.errors.data : "(no error)");
		parsed_free(&p);
	}
}

static void
test_long_line(void **state)
{
	struct parsed p;
	char *src;
	size_t n = FLOW_LINE_MAX + 20;

	(void)state;
	src = xmalloc(n + 64);
	strlcpy_s(src, "flow: a\nstep s: end\n  ro: ", n + 64);
	memset(src + strlen(src), 'x', n);
	src[26 + n] = '\0';
	parse(&p, src);
	assert_null(p.def);
	assert_non_null(strstr(p.errors.data, "t.flow:3: line longer than"));
	parsed_free(&p);
	free(src);
}

static void
test_all_errors_reported(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "flow: a\ncolour: x\nstep s: jump\nstep t: ask yesno\n"
	    "  ro: q\n  if maybe: s\n");
	assert_int_equal(p.nerrors, 3);
	assert_non_null(strstr(p.errors.data, "t.flow:2:"));
	assert_non_null(strstr(p.errors.data, "t.flow:3:"));
	assert_non_null(strstr(p.errors.data, "t.flow:6:"));
	parsed_free(&p);
}

static void
test_warnings(void **state)
{
	struct parsed p;
	char src[2048];

	(void)state;
	/* Diacritics force UCS-2; a long text needs 2 parts and 2 USSD
	 * screens; an unreachable step; an unregistered action. */
	snprintf(src, sizeof(src), "flow: w\n"
	    "step a: send\n  ro: Bună ziua\n"
	    "  en: %s\n"
	    "  next: end\n"
	    "step b: action no-such-action\n",
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789");
	parse(&p, src);
	assert_non_null(p.def);
	assert_non_null(p.warnings.data);
	assert_non_null(strstr(p.warnings.data, "t.flow:3: warning: step a "
	    "(ro): \"ă\" is not in the GSM-7 alphabet"));
	assert_non_null(strstr(p.warnings.data, "step a (en): needs 2 SMS "
	    "parts"));
	assert_non_null(strstr(p.warnings.data, "step a (en): 200 "
	    "characters, more than one USSD screen"));
	assert_non_null(strstr(p.warnings.data, "t.flow:6: warning: step b "
	    "can never be reached"));
	parsed_free(&p);
	/* An SMS-only flow is not warned about USSD screens. */
	snprintf(src, sizeof(src), "flow: w\nchannels: sms\n"
	    "step a: end\n  ro: %0200d\n", 0);
	parse(&p, src);
	assert_non_null(p.def);
	assert_null(strstr(p.warnings.data, "USSD"));
	parsed_free(&p);
}

static struct flow_def *
def_of(const char *name, const char *src)
{
	struct flow_diag d;
	struct flow_def *def;

	memset(&d, 0, sizeof(d));
	def = flow_parse(name, src, strlen(src), &d);
	assert_non_null(def);
	return def;
}

static void
test_set_checks(void **state)
{
	struct flow_def *defs[4];
	struct flow_diag d;
	struct buf errors, warnings;
	size_t i;

	(void)state;
	defs[0] = def_of("a.flow", "flow: a\nkeywords: SONDAJ, GATA\n"
	    "catch-all: yes\nussd code: *1#\nstep s: start nope\n"
	    "message help\n  ro: x\n");
	defs[1] = def_of("b.flow", "flow: a\nkeywords: sondaj, STOPP\n"
	    "catch-all: yes\nussd code: *1#\nstep s: end\n"
	    "message help\n  ro: y\n");
	defs[2] = def_of("c.flow", "flow: c\nkeywords: SONDAJE\nstep s: end\n");
	buf_init(&errors, 0);
	buf_init(&warnings, 0);
	memset(&d, 0, sizeof(d));
	d.errors = &errors;
	d.warnings = &warnings;
	flow_set_check(defs, 3, &d);
	assert_non_null(errors.data);
	assert_non_null(strstr(errors.data, "b.flow:1: flow a is also "
	    "defined in a.flow"));
	assert_non_null(strstr(errors.data, "b.flow:1: only one flow may be "
	    "the catch-all"));
	assert_non_null(strstr(errors.data, "a.flow:5: start: no flow named "
	    "\"nope\""));
	assert_non_null(strstr(errors.data, "b.flow:6: message help is also "
	    "defined in a.flow"));
	assert_non_null(strstr(errors.data, "b.flow:4: USSD code *1# is also "
	    "used"));
	assert_non_null(strstr(errors.data, "a.flow:2: keyword GATA is a "
	    "global word"));
	assert_non_null(strstr(errors.data, "b.flow:2: keyword SONDAJ is also "
	    "used by flow a (a.flow:2)"));
	assert_non_null(strstr(warnings.data, "keyword STOPP is one typo from "
	    "the global word STOP"));
	assert_non_null(strstr(warnings.data, "keyword SONDAJE is one typo "
	    "from SONDAJ"));
	for (i = 0; i < 3; i++)
		flow_def_free(defs[i]);
	buf_free(&errors);
	buf_free(&warnings);
}

/* The action sets of every service in the table, as the daemon has them
 * (states are not needed to check names). */
static size_t
service_sets(struct flow_action_set *sets, size_t max)
{
	const struct service *svc;
	size_t n = 0;

	for (size_t i = 0; (svc = gw_services_at(i)) != NULL && n < max; i++) {
		if (svc->actions != NULL) {
			sets[n].actions = svc->actions;
			sets[n++].state = NULL;
		}
	}
	return n;
}

/* The files shipped in flows/ and its service folders load without
 * errors, and every action they call is provided by a service. */
static void
test_shipped_flows(void **state)
{
	struct buf errors, warnings;
	struct flow_action_set sets[16];
	size_t nsets = service_sets(sets, 16);
	int n;

	(void)state;
	buf_init(&errors, 0);
	buf_init(&warnings, 0);
	n = flow_check_dir("flows", sets, nsets, &errors, &warnings);
	if (n != 0)
		fail_msg("%s", errors.data);
	if (warnings.data != NULL && strstr(warnings.data, "action") != NULL)
		fail_msg("%s", warnings.data);
	buf_free(&errors);
	buf_free(&warnings);
}

/* A step calling an action no service provides is a warning at its
 * line; an action provided twice is an error. */
static void
test_unprovided_action(void **state)
{
	char dir[] = "/tmp/test_flow_parse.XXXXXX", path[64];
	struct flow_action_set sets[16];
	size_t nsets = service_sets(sets, 15);
	struct buf errors, warnings;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.flow", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("flow: t\nkeywords: TT\nstep a: action no-such-action\n", fp);
	fclose(fp);
	buf_init(&errors, 0);
	buf_init(&warnings, 0);
	assert_int_equal(flow_check_dir(dir, sets, nsets, &errors, &warnings),
	    0);
	assert_non_null(warnings.data);
	assert_non_null(strstr(warnings.data, "t.flow:3: warning: action "
	    "\"no-such-action\" is not provided by any service"));
	buf_free(&errors);
	buf_free(&warnings);
	/* The same table twice: every name is provided twice. */
	if (nsets > 0) {
		sets[nsets] = sets[0];
		buf_init(&errors, 0);
		buf_init(&warnings, 0);
		assert_true(flow_check_dir(dir, sets, nsets + 1, &errors,
		    &warnings) > 0);
		assert_non_null(strstr(errors.data, "provided twice"));
		buf_free(&errors);
		buf_free(&warnings);
	}
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_version_changes_with_bytes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_set_checks),
		cmocka_unit_test(test_shipped_flows),
		cmocka_unit_test(test_unprovided_action),
	};

	log_init(LOG_LEVEL_ERROR, "test_flow_parse");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
