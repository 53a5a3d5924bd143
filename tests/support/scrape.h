/* scrape.h: reading a process's /metrics in tests (probe.h): fetched over
 * HTTP, checked by Prometheus' reference parser (check_metrics.py, which
 * run by Debian's /usr/bin/python3; it fails the test when the text does
 * not parse or declares a family twice),
 * and its samples looked up by name and labels. */
#ifndef TEST_SCRAPE_H
#define TEST_SCRAPE_H

#include <jansson.h>

/* The samples of probe's /metrics (host:port), as check_metrics.py prints
 * them; the caller json_decref's. Fails the test when the scrape is not a
 * 200 or does not parse. */
json_t *t_scrape(const char *probe);

/* The value of the sample name whose labels include the pairs given
 * (NULL-ended); -1 when there is none. */
double t_sample(const json_t *samples, const char *name, ...) __attribute__((sentinel));

/* The same, scraped now. */
double t_scraped(const char *probe, const char *name, ...) __attribute__((sentinel));

#endif
