-- Days in each stage (停留天数) for the funnel, kept from the stage history
-- as the funnel's own figures are (sql/007): as funnel events, folded into
-- the same days, so a past period's figures are sums of rows that never
-- change once written.
--
-- A stay is an opportunity's time in one stage: from the stage change that
-- enters the stage (the creation's, a move on or back, a reopening) to the
-- next change (another stage, an end) or its deletion. It counts for the
-- owner and department of the change that entered it. A period [F, T)
-- counts the stays that ended in it and the stays still going at T, each
-- from its entry (even before F) to its end or to T, whichever is first:
-- a stay entered before T and not ended before F. In whole seconds (each
-- instant's epoch rounded down).
--
-- Events (opportunity_funnel_events, count 1):
--   kind 5 "entered": at the entry, amount the entry's epoch second;
--   kind 6 "left, its entry": at the end, amount the entry's epoch second;
--   kind 7 "left, its end": at the end, amount the end's epoch second;
-- so that, with N and A the counts and amounts of a kind over a range,
--   stays counted  C = N5(< T) - N6(< F)
--   still at T     O = N5(< T) - N6(< T)
--   seconds          = A7[F, T) + T * O - (A5(< T) - A6(< F))
-- (services/sales/sales_stays.c).

ALTER TABLE opportunity_funnel_events DROP CONSTRAINT opportunity_funnel_events_kind_check;
ALTER TABLE opportunity_funnel_events ADD CONSTRAINT opportunity_funnel_events_kind_check
    CHECK (kind BETWEEN 1 AND 7);

-- One event of a stay, pending its fold.
CREATE FUNCTION opportunity_stay_event(opp bigint, pipeline bigint, k smallint, stage bigint,
                                       epoch bigint, owner bigint, department bigint,
                                       at timestamptz) RETURNS void LANGUAGE sql AS $$
    WITH ins AS (
        INSERT INTO opportunity_funnel_events (opportunity_id, pipeline_id, kind, stage_id,
               count, amount, owner_id, department_id, at)
        VALUES (opp, pipeline, k, stage, 1, epoch, owner, department, at)
        RETURNING id)
    INSERT INTO opportunity_funnel_pending SELECT id FROM ins;
$$;

-- Ends the open stay of opportunity opp (the last one entered, when
-- stay_open) at instant at.
CREATE FUNCTION opportunity_stay_end(opp bigint, at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s opportunity_funnel_events;
BEGIN
    SELECT * INTO s FROM opportunity_funnel_events
     WHERE opportunity_id = opp AND kind = 5 ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM opportunity_stay_event(opp, s.pipeline_id, 6::smallint, s.stage_id, s.amount,
                                   s.owner_id, s.department_id, at);
    PERFORM opportunity_stay_event(opp, s.pipeline_id, 7::smallint, s.stage_id,
                                   floor(extract(epoch FROM at))::bigint, s.owner_id,
                                   s.department_id, at);
END $$;

-- The stay events of one stage change c: it ends the stay of an open
-- opportunity, and begins one when it leaves the opportunity open.
CREATE FUNCTION opportunity_stay_apply(c opportunity_stage_changes) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF c.from_status = 1 THEN
        PERFORM opportunity_stay_end(c.opportunity_id, c.at);
    END IF;
    IF c.to_status = 1 THEN
        PERFORM opportunity_stay_event(c.opportunity_id, c.pipeline_id, 5::smallint,
                                       c.to_stage_id, floor(extract(epoch FROM c.at))::bigint,
                                       c.owner_id, c.department_id, c.at);
    END IF;
END $$;

CREATE FUNCTION opportunity_stay_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM opportunity_stay_apply(NEW);
    RETURN NULL;
END $$;
CREATE TRIGGER opportunity_stage_changes_stays AFTER INSERT ON opportunity_stage_changes
    FOR EACH ROW EXECUTE FUNCTION opportunity_stay_record();

-- A deleted open opportunity is in no stage from its deletion on.
CREATE FUNCTION opportunities_stay_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM opportunity_stay_end(NEW.id, NEW.deleted_at);
    RETURN NULL;
END $$;
CREATE TRIGGER opportunities_stay_deleted AFTER UPDATE OF deleted_at ON opportunities
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
                       AND NEW.status = 1)
    EXECUTE FUNCTION opportunities_stay_deleted();

-- The history written before: its stays, in the order it was written; then
-- the deleted open ones ended at their deletion.
DO $$
DECLARE
    c opportunity_stage_changes;
BEGIN
    FOR c IN SELECT * FROM opportunity_stage_changes ORDER BY id LOOP
        PERFORM opportunity_stay_apply(c);
    END LOOP;
    PERFORM opportunity_stay_end(id, deleted_at) FROM opportunities
      WHERE deleted_at IS NOT NULL AND status = 1 ORDER BY id;
END $$;
