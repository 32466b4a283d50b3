/*
 * modem_mm.c - is ModemManager running?  It opens every modem port it
 * sees (exclusively) and sends its own AT commands, so a port that will
 * not open, or answers garbage, is often its doing (docs/modems.md,
 * section 3).  We only look, by process name in /proc/PID/comm; what to
 * do about it is the administrator's call.
 */
#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "modem.h"

#define MODEM_MM_COMM "ModemManager"

int
modem_mm_running(const char *proc_root)
{
	DIR *d;
	struct dirent *de;
	int found = 0;

	d = opendir(proc_root != NULL ? proc_root : "/proc");
	if (d == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		char path[512], comm[64];
		FILE *f;
		const char *p;

		/* Processes only: all-digit names. */
		for (p = de->d_name; *p >= '0' && *p <= '9'; p++)
			;
		if (p == de->d_name || *p != '\0')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/comm", proc_root != NULL ?
		    proc_root : "/proc", de->d_name) >= (int)sizeof(path))
			continue;
		f = fopen(path, "re");
		if (f == NULL)
			continue; /* gone meanwhile, or not ours to read */
		if (fgets(comm, sizeof(comm), f) != NULL) {
			comm[strcspn(comm, "\n")] = '\0';
			found = strcmp(comm, MODEM_MM_COMM) == 0;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}
