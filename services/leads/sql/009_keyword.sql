-- The list's keyword searches the name, the company and the e-mail
-- (leads_list.c, LEADS_KEYWORD_TEXT, which must be this very expression for
-- the planner to use the index). One trigram index on the three replaces the
-- name's, so a lead's insert still maintains one trigram index.
DROP INDEX leads_name_trgm;
CREATE INDEX leads_keyword_trgm ON leads
    USING gin ((name || E'\x1f' || company || E'\x1f' || email) gin_trgm_ops)
    WHERE deleted_at IS NULL;
