/*
 * flow_load.c - reading the flows folder: every *.flow file in it and in
 * its service subfolders (one level: flows/sheet/...) is parsed,
 * then the set is checked as a whole (unique names and keywords, one
 * catch-all, "start" targets that exist, no message defined twice).
 *
 * A set is all-or-nothing: if any file has an error the caller keeps the
 * set it had, so a typo saved by a social worker on a live gateway never
 * takes the service down (SIGHUP reports it and changes nothing).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "util.h"

static int name_cmp(const void *, const void *);
static void check_actions(struct flow_def **, size_t,
    const struct flow_action_set *, size_t, struct flow_diag *);
static int collect_flow_files(const char *, const char *, int, char ***,
    size_t *, struct flow_diag *);
static void check_keyword_pair(const struct flow_def *, const char *,
    const struct flow_def *, struct flow_diag *);
static void check_keywords(struct flow_def **, size_t, struct flow_diag *);

int
flow_load_file(const char *path, struct flow_diag *diag,
    struct flow_def **out)
{
	char *data, why[512];
	size_t len;

	*out = NULL;
	if (file_read(path, FLOW_FILE_MAX, &data, &len, why, sizeof(why)) !=
	    0) {
		/* file_read names the path; the diagnostic does too. */
		const char *reason = strncmp(why, path, strlen(path)) == 0 ?
		    why + strlen(path) + 2 : why;

		flow_diag_error(diag, path, 0, "%s", reason);
		return -1;
	}
	*out = flow_parse(path, data, len, diag);
	free(data);
	return *out != NULL ? 0 : -1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keyword kw of flow a against every keyword of flow b. */
static void
check_keyword_pair(const struct flow_def *a, const char *kw,
    const struct flow_def *b, struct flow_diag *diag)
{
	const char *o;
	size_t l;

	for (l = 0; l < b->nkeywords; l++) {
		o = b->keywords[l];
		if (strcmp(kw, o) == 0)
			flow_diag_error(diag, b->file, b->keywords_line,
			    "keyword %s is also used by flow %s (%s:%d)", kw,
			    a->name, a->file, a->keywords_line);
		else if (strlen(kw) >= 4 && strlen(o) >= 4 &&
		    flow_text_one_typo(kw, o))
			flow_diag_warn(diag, b->file, b->keywords_line,
			    "keyword %s is one typo from %s of flow %s; a typo "
			    "in either starts the first loaded", o, kw,
			    a->name);
	}
}

static void
check_keywords(struct flow_def **defs, size_t n, struct flow_diag *diag)
{
	const struct flow_global_word *g;
	const struct flow_def *d;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		d = defs[i];
		for (k = 0; k < d->nkeywords; k++) {
			for (g = flow_global_words_table(); g->word != NULL;
			    g++) {
				if (strcmp(d->keywords[k], g->word) == 0)
					flow_diag_error(diag, d->file,
					    d->keywords_line, "keyword %s is a "
					    "global word", g->word);
				else if (strlen(d->keywords[k]) >= 4 &&
				    flow_text_one_typo(d->keywords[k],
				    g->word))
					flow_diag_warn(diag, d->file,
					    d->keywords_line, "keyword %s is "
					    "one typo from the global word %s; "
					    "only an exact %s starts this flow",
					    d->keywords[k], g->word,
					    d->keywords[k]);
			}
			for (j = i + 1; j < n; j++)
				check_keyword_pair(d, d->keywords[k], defs[j],
				    diag);
		}
	}
}

void
flow_set_check(struct flow_def **defs, size_t n, struct flow_diag *diag)
{
	const struct flow_def *catch_all = NULL;
	int msg_owner[FLOW_MSG_N];
	size_t i, j, k, l;

	for (i = 0; i < FLOW_MSG_N; i++)
		msg_owner[i] = -1;
	for (i = 0; i < n; i++) {
		const struct flow_def *d = defs[i];

		for (j = 0; j < i; j++) {
			if (strcmp(defs[j]->name, d->name) == 0)
				flow_diag_error(diag, d->file, 1,
				    "flow %s is also defined in %s", d->name,
				    defs[j]->file);
		}
		if (d->catch_all) {
			if (catch_all != NULL)
				flow_diag_error(diag, d->file, 1,
				    "only one flow may be the catch-all; %s "
				    "already is", catch_all->file);
			else
				catch_all = d;
		}
		for (j = 0; j < d->nnodes; j++) {
			const struct flow_node *nd = &d->nodes[j];

			if (nd->kind != FLOW_NODE_START)
				continue;
			for (k = 0; k < n; k++) {
				if (strcmp(defs[k]->name,
				    nd->target_name) == 0)
					break;
			}
			if (k == n)
				flow_diag_error(diag, d->file, nd->line,
				    "start: no flow named \"%s\"",
				    nd->target_name);
		}
		for (j = 0; j < FLOW_MSG_N; j++) {
			if (d->messages[j].line == 0)
				continue;
			if (msg_owner[j] >= 0)
				flow_diag_error(diag, d->file,
				    d->messages[j].line,
				    "message %s is also defined in %s",
				    flow_msg_name((enum flow_msg)j),
				    defs[msg_owner[j]]->file);
			else
				msg_owner[j] = (int)i;
		}
		for (k = 0; k < d->nussd_codes; k++) {
			for (j = 0; j < i; j++) {
				for (l = 0; l < defs[j]->nussd_codes; l++) {
					if (strcmp(defs[j]->ussd_codes[l],
					    d->ussd_codes[k]) == 0)
						flow_diag_error(diag, d->file,
						    d->ussd_line,
						    "USSD code %s is also used "
						    "by flow %s",
						    d->ussd_codes[k],
						    defs[j]->name);
				}
			}
		}
	}
	check_keywords(defs, n, diag);
}

/*
 * Appends the *.flow files of dir/sub (sub "" for dir itself) to names as
 * paths relative to dir; with descend, also those of each subfolder: one
 * level, where each service keeps its own flows (flows/sheet/...).
 */
static int
collect_flow_files(const char *dir, const char *sub, int descend,
    char ***names, size_t *n, struct flow_diag *diag)
{
	DIR *dp;
	struct dirent *e;
	struct stat sb;
	char *path = sub[0] != '\0' ? xasprintf("%s/%s", dir, sub) :
	    xstrdup(dir);
	char *rel;
	size_t len;

	dp = opendir(path);
	if (dp == NULL) {
		flow_diag_error(diag, path, 0, "%s", strerror(errno));
		free(path);
		return -1;
	}
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		rel = sub[0] != '\0' ? xasprintf("%s/%s", sub, e->d_name) :
		    xstrdup(e->d_name);
		len = strlen(e->d_name);
		if (len >= 6 && strcmp(e->d_name + len - 5, ".flow") == 0) {
			*names = xrealloc(*names, (*n + 1) * sizeof(**names));
			(*names)[(*n)++] = rel;
			continue;
		}
		if (descend) {
			char *full = xasprintf("%s/%s", dir, rel);

			if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode))
				(void)collect_flow_files(dir, rel, 0, names, n,
				    diag);
			free(full);
		}
		free(rel);
	}
	closedir(dp);
	free(path);
	return 0;
}

/* A step calling an action nobody provides fails at run time: warn. */
static void
check_actions(struct flow_def **defs, size_t n,
    const struct flow_action_set *sets, size_t nsets, struct flow_diag *diag)
{
	const struct flow_node *node;
	void *state;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < defs[i]->nnodes; j++) {
			node = &defs[i]->nodes[j];
			if (node->kind == FLOW_NODE_ACTION &&
			    flow_actions_find(sets, nsets, node->target_name,
			    &state) == NULL)
				flow_diag_warn(diag, defs[i]->file, node->line,
				    "action \"%s\" is not provided by any "
				    "service; the step will fail",
				    node->target_name);
		}
	}
}

int
flow_load_dir(const char *dir, const struct flow_action_set *sets,
    size_t nsets, struct flow_diag *diag, struct flow_def ***out,
    size_t *nout)
{
	char **names = NULL, *path;
	struct flow_def **defs = NULL, *d;
	size_t n = 0, nd = 0, i;
	int errors = diag->nerrors;

	*out = NULL;
	*nout = 0;
	if (collect_flow_files(dir, "", 1, &names, &n, diag) != 0)
		return -1;
	/* File name order: load order is the tie-break, make it stable. */
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		if (flow_load_file(path, diag, &d) == 0) {
			defs = xrealloc(defs, (nd + 1) * sizeof(*defs));
			defs[nd++] = d;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		flow_diag_warn(diag, dir, 0, "no *.flow files; only the "
		    "global words (AJUTOR, STOP, START, GATA) will work");
	flow_set_check(defs, nd, diag);
	(void)flow_actions_check(sets, nsets, diag);
	check_actions(defs, nd, sets, nsets, diag);
	if (diag->nerrors > errors) {
		for (i = 0; i < nd; i++)
			flow_def_free(defs[i]);
		free(defs);
		return -1;
	}
	*out = defs;
	*nout = nd;
	return 0;
}
