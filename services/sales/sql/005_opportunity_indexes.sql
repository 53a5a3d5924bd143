-- Indexes the lists' and the stage view's plans need at a million
-- opportunities (bench_opportunities, docs/performance.md):
-- an admin's list (every owner) in each sort reads one global index in the
-- sort's order, as the creation time's already does;
CREATE INDEX opportunities_updated ON opportunities (updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX opportunities_close ON opportunities
    (COALESCE(expected_close_on - DATE '1970-01-01', 2147483647), id) WHERE deleted_at IS NULL;
CREATE INDEX opportunities_amount ON opportunities (amount, id) WHERE deleted_at IS NULL;
-- the open pipeline by expected close (the usual forecast list) reads an
-- owner's open ones only, however many closed ones they have;
CREATE INDEX opportunities_owner_open_close ON opportunities
    (owner_id, COALESCE(expected_close_on - DATE '1970-01-01', 2147483647), id)
    WHERE status = 1 AND deleted_at IS NULL;
-- the stage view's counts and sums: an owner's open ones by stage, read
-- from the index alone.
CREATE INDEX opportunities_owner_open_stage ON opportunities (owner_id, pipeline_id, stage_id)
    INCLUDE (amount) WHERE status = 1 AND deleted_at IS NULL;
