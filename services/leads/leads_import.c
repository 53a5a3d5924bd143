/* leads_import.c: importing leads in chunks: Leads.StartImport,
 * ImportChunk, GetImport. (Being written: registers nothing yet.) */
#include "leads.h"

void leads_import_register(leads_t *l)
{
    (void)l;
}
