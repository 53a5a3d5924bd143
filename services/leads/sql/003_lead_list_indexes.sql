-- Lists (leads_list.c): indexes for the sorts and views 002 does not serve.
-- Every list is "a scope (owners) + a sort + keyset (sort key, id)"; the
-- unset follow-up times sort as the infinities below, and these indexes are
-- on those very expressions so the lists' ORDER BY can walk them.
CREATE INDEX leads_owner_updated ON leads (owner_id, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX leads_updated ON leads (updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_owner_next_key
    ON leads (owner_id, (COALESCE(next_followup_at, 'infinity'::timestamptz)), id)
    WHERE deleted_at IS NULL;
CREATE INDEX leads_owner_last_key
    ON leads (owner_id, (COALESCE(last_followup_at, '-infinity'::timestamptz)), id)
    WHERE deleted_at IS NULL;
-- The unowned leads kept for a department (imported to it), in the ALL view
-- of its users.
CREATE INDEX leads_department_unowned ON leads (department_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND owner_id = 0 AND pool_id = 0;
