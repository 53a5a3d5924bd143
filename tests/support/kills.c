/* kills.c: a kill test's schedule as data (kills.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm/util.h"
#include "kills.h"

/* One command: "kill <service> <instance>", "start <service> <instance>",
 * "sleep <ms>". */
static void s_command(h_t *h, const char *cmd)
{
    char verb[16], service[32];
    int n = 0;
    if (sscanf(cmd, " sleep %d", &n) == 1) {
        struct timespec ts = {n / 1000, (long)(n % 1000) * 1000000};
        nanosleep(&ts, NULL);
        return;
    }
    int ok = sscanf(cmd, " %15s %31s %d", verb, service, &n) == 3;
    H_CHECK(ok && (!strcmp(verb, "kill") || !strcmp(verb, "start")),
            "a kill plan's command \"%s\": want kill|start <service> <instance>, or sleep <ms>",
            cmd);
    if (!strcmp(verb, "kill"))
        h_kill(h, service, n);
    else
        h_start(h, service, n);
}

void t_kills(h_t *h, const char *step)
{
    char *copy = crm_strdup(step), *save = NULL;
    for (char *cmd = strtok_r(copy, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save))
        s_command(h, cmd);
    free(copy);
}

void t_kills_after(h_t *h, int i, int chunk, const char *const *rounds, size_t n)
{
    if (i % chunk != chunk - 1 || (size_t)(i / chunk) >= n)
        return;
    t_kills(h, rounds[i / chunk]);
}
