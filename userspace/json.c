// SPDX-License-Identifier: GPL-2.0
/*
 * --json: one JSON object on stdout per invocation, with the fields the
 * text output has (v3chkpt(8), JSON OUTPUT).  Failures stay as they are:
 * a message on stderr and exit 1, nothing on stdout.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/v3chkpt.h>
#include "cli.h"

bool json_opt(int *argc, char **argv)
{
	bool found = false;
	int i, j;

	for (i = j = 0; i < *argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--json")) {
			found = true;
			continue;
		}
		argv[j++] = argv[i];
	}
	*argc = j;
	return found;
}

void json_quote(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const struct { uint64_t bit; const char *name; } features[] = {
	{ V3CHKPT_FEAT_MEMORY_STORE, "memory-store" },
	{ V3CHKPT_FEAT_SESSIONS, "sessions" },
	{ V3CHKPT_FEAT_RAW_STREAM, "raw-stream" },
	{ V3CHKPT_FEAT_VM, "vm" },
	{ V3CHKPT_FEAT_MIGRATE, "migrate" },
};

/* version --json */
int json_version(int dev)
{
	struct v3chkpt_version v = { .size = sizeof(v) };
	const char *sep = "";
	size_t i;

	if (ioctl(dev, V3CHKPT_IOC_VERSION, &v))
		return fail_errno("version", NULL);
	printf("{\"module\":");
	json_quote(v.module_version);
	printf(",\"abi\":%u,\"stream_format\":\"%u.%u\",\"features\":[",
	       v.abi_version, v.format_major, v.format_minor);
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		if (!(v.features & features[i].bit))
			continue;
		printf("%s\"%s\"", sep, features[i].name);
		sep = ",";
	}
	printf("]}\n");
	return 0;
}
