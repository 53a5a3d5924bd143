/* leads_list.c: reading many leads: Leads.List (views, filters, keyset
 * paging), History, ListFollowUps, CheckDuplicates and Stats.
 * (Being written: registers nothing yet.) */
#include "leads.h"

void leads_list_register(leads_t *l)
{
    (void)l;
}
