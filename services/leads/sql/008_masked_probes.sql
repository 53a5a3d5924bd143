-- Masked probes (issue #17): a dedup check or a create whose number has the
-- masked form of a pooled lead masked to the caller (same length, same first
-- three and last four characters) costs one of the caller's probes of the day
-- (leads_probe.c). The indexes find those leads by the form the mask shows;
-- they are partial, so only pooled leads pay for them.
CREATE INDEX leads_pooled_mobile_form ON leads ((left(mobile, 3) || right(mobile, 4)))
    WHERE owner_id = 0 AND pool_id <> 0 AND deleted_at IS NULL AND mobile <> '';
CREATE INDEX leads_pooled_telephone_form ON leads ((left(telephone, 3) || right(telephone, 4)))
    WHERE owner_id = 0 AND pool_id <> 0 AND deleted_at IS NULL AND telephone <> '';

-- Each user's masked probes per day (in CRM_TZ); a user's earlier days are
-- dropped when they next probe.
CREATE TABLE lead_probes (
    user_id bigint NOT NULL,
    day date NOT NULL,
    used integer NOT NULL,
    PRIMARY KEY (user_id, day)
);
