/*
 * parents_service.c - the migrant-parents service as the daemon, the CLI
 * and the simulator see it (flows/service.h): its state holds the loaded
 * texts and the version of raspuns.flow (the reply sessions it starts
 * run on it), its tick runs the reminders.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "file.h"
#include "log.h"
#include "parents_int.h"
#include "util.h"

struct parents_svc {
	struct parents_texts *texts; /* owned */
	char version[24];	     /* of raspuns.flow, "" if unknown */
};

static void *parents_service_init(const struct service_env *, char *,
    size_t);
static int parents_service_tick(void *, struct store *,
    const struct gw_config *, int64_t);
static void parents_service_free(void *);

const struct service parents_service = {
	.name = "parents",
	.config = &parents_config_section,
	.migrations = parents_migrations,
	.actions = parents_actions,
	.init = parents_service_init,
	.tick = parents_service_tick,
	.free = parents_service_free,
	.purge = NULL,
};

struct parents_svc *
parents_svc_new(struct parents_texts *t, const char *ver)
{
	struct parents_svc *s = xcalloc(1, sizeof(*s));

	s->texts = t;
	strlcpy_s(s->version, ver != NULL ? ver : "", sizeof(s->version));
	return s;
}

void
parents_svc_free(struct parents_svc *s)
{
	if (s == NULL)
		return;
	parents_texts_free(s->texts);
	free(s);
}

const struct parents_texts *
parents_svc_texts(const struct parents_svc *s)
{
	return s != NULL ? s->texts : NULL;
}

const char *
parents_svc_reply_version(const struct parents_svc *s)
{
	return s != NULL ? s->version : "";
}

/* The flow engine's version of a file: FNV-1a 64 of its bytes, in hex
 * (flows/flow_parse.c), so that a reply session names the version the
 * engine loaded and no "version is gone" path is taken. */
static void
flow_version(const char *path, char *out, size_t outlen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char *src, err[128];
	size_t len;

	out[0] = '\0';
	if (file_read(path, 1 << 20, &src, &len, err, sizeof(err)) != 0)
		return;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)src[i];
		h *= 0x100000001b3ULL;
	}
	free(src);
	snprintf(out, outlen, "%016llx", (unsigned long long)h);
}

static void *
parents_service_init(const struct service_env *env, char *err, size_t errlen)
{
	const struct parents_conf *pc = parents_conf(env->conf);
	struct parents_texts *t;
	char ver[24], *path;

	/* Without its texts the service still starts (a configuration
	 * built without [parents], a plain SMS gateway): the dialogue works
	 * and every reminder waits, retried, with the reason logged. */
	t = parents_texts_load(pc->texts, err, errlen);
	if (t == NULL) {
		if (!env->checking)
			log_warnx("parents: %s: reminders will not be sent",
			    err);
		err[0] = '\0';
	}
	path = xasprintf("%s/parents/raspuns.flow", env->conf->flows_dir);
	flow_version(path, ver, sizeof(ver));
	free(path);
	if (!env->checking)
		log_info("parents: %zu texts, notice period %d days",
		    parents_texts_count(t), pc->notice_days);
	return parents_svc_new(t, ver);
}

static int
parents_service_tick(void *state, struct store *st,
    const struct gw_config *conf, int64_t now)
{
	return parents_tick(st, conf, state, now);
}

static void
parents_service_free(void *state)
{
	parents_svc_free(state);
}
