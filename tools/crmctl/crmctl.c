/* crmctl.c: the suite's command-line client: usage, `crmctl keys` and main.
 * `crmctl call` makes one RPC with a JSON request and prints the reply as
 * JSON (crmctl_call.c); `crmctl events` follows services' event streams and
 * prints one JSON line per event (crmctl_events.c). See s_usage; the exit
 * status is in crmctl.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crm/curve.h"
#include "crmctl.h"

static void s_usage(FILE *out)
{
    fputs("usage: crmctl call <service> <Service.Method> ['<json>'|-] [options]\n"
          "       crmctl events <service>[,<service>...] [options]\n"
          "       crmctl keys <dir> <name>...\n"
          "       crmctl --help\n"
          "\nservices: ",
          out);
    const crm_registry_t *suite = crm_registry_get();
    for (size_t i = 0; i < suite->n_domains; i++)
        fprintf(out, "%s, ", suite->domains[i].name);
    fputs(GATEWAY
          "\n"
          "\n"
          "call: sends one request, its fields given as a JSON object (default {}; - reads\n"
          "  it from stdin), to the service's RPC endpoints (CRM_<SERVICE>_RPC, comma-\n"
          "  separated, e.g. CRM_LEADS_RPC) and prints the outcome as one JSON object:\n"
          "    {\"status\":\"ok\",\"reply\":{...}}\n"
          "    {\"status\":\"not_found\",\"message\":\"...\",\"field\":\"...\"}\n"
          "  The JSON of the HTTP API (docs/api.md): field names are the proto names;\n"
          "  enums short words (\"pending\"); an instant <x>_us is <x> in RFC 3339\n"
          "  (\"2026-12-01T09:00:00+08:00\"); int64 as numbers or decimal strings; bytes\n"
          "  in base64.\n"
          "  options:\n"
          "    --endpoint EP       endpoint(s), instead of CRM_<SERVICE>_RPC\n"
          "    --deadline-ms N     how long one attempt waits (default 5000)\n"
          "    --user ID           the acting user (default 0, the system)\n"
          "    --role ROLE         admin|manager|employee|system (default system)\n"
          "    --department ID     the user's department (default 0)\n"
          "    --scope all|ID,...  the records the caller may see (default: all for admin and\n"
          "                        system, the user's own for manager and employee)\n"
          "  example: crmctl call leads Leads.Get '{\"id\": 42}'\n"
          "\n"
          "events: subscribes to the services' event streams (CRM_<SERVICE>_PUB,\n"
          "  comma-separated) and prints each event as one JSON line: the envelope's\n"
          "  fields with the payload decoded by its type (base64 if the type is unknown).\n"
          "  Ends on SIGINT or SIGTERM.\n"
          "  options:\n"
          "    --endpoint EP       endpoint(s), instead of CRM_<SERVICE>_PUB\n"
          "    --topic PREFIX      only event types starting with PREFIX (repeatable)\n"
          "    --count N           exit after N events\n"
          "    --heartbeats        also print the producers' heartbeats\n"
          "  example: crmctl events leads,customers --topic lead. --count 10\n"
          "\n"
          "keys: writes the CurveZMQ key pair <dir>/<name>.key (secret, mode 0600) and\n"
          "  <dir>/<name>.pub for each name that has none: \"server\" (the services' server\n"
          "  sockets), each service, crmctl, an integrator. With CRM_CURVE_DIR=<dir> every\n"
          "  process authenticates with its pair and serves only the folder's .pub keys\n"
          "  (crmctl uses crmctl.key, or CRM_CURVE_NAME's).\n"
          "  example: crmctl keys .data/keys server leads customers crmctl\n"
          "\n"
          "exit status: 0 ok, 1 the call failed, 2 bad usage or request.\n",
          out);
}

/* crmctl keys DIR NAME...: writes the missing key pairs. */
static int s_keys(int argc, char **argv)
{
    if (argc < 2)
        return ctl_bad_usage("keys: give a folder and at least one name");
    if (mkdir(argv[0], 0700) != 0 && errno != EEXIST)
        return ctl_bad_usage("keys: cannot make '%s': %s", argv[0], strerror(errno));
    for (int i = 1; i < argc; i++)
        if (crm_curve_keygen(argv[0], argv[i]) != 0)
            return EXIT_FAILED;
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    crm_registry_set(&crm_suite);
    crm_tz_apply(); /* instants in RFC 3339 with the business offset, as over HTTP */
    if (argc < 2) {
        s_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "call") == 0)
        return ctl_call(argc - 2, argv + 2);
    if (strcmp(argv[1], "events") == 0)
        return ctl_events(argc - 2, argv + 2);
    if (strcmp(argv[1], "keys") == 0)
        return s_keys(argc - 2, argv + 2);
    return ctl_bad_usage("unknown command '%s'", argv[1]);
}
