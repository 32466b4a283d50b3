/*
 * test_modem_mm.c - ModemManager detection on a fake /proc: a folder of
 * PID folders with a comm file each, and the noise a real /proc has
 * (non-process entries, a process without comm, a similar name).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "modem.h"

static char root[64];

static void
fake_proc(const char *pid, const char *comm)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, pid);
	assert_int_equal(mkdir(path, 0700), 0);
	if (comm == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s/comm", root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", comm);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/stafeta-proc.XXXXXX");
	return mkdtemp(root) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_not_running(void **state)
{
	(void)state;
	fake_proc("1", "systemd");
	fake_proc("42", "ModemManagerX");	/* another name */
	fake_proc("43", NULL);			/* exited: no comm */
	fake_proc("self", "ModemManager");	/* not a PID folder */
	fake_proc("12a", "ModemManager");	/* not a PID folder */
	assert_int_equal(modem_mm_running(root), 0);
}

static void
test_running(void **state)
{
	(void)state;
	fake_proc("1", "systemd");
	fake_proc("812", "ModemManager");
	assert_int_equal(modem_mm_running(root), 1);
}

static void
test_no_proc(void **state)
{
	(void)state;
	assert_int_equal(modem_mm_running("/nonexistent/proc"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_running, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_running, setup, teardown),
		cmocka_unit_test(test_no_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
