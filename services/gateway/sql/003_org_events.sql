-- The users and departments made before the gateway announced its
-- organisation (user.*, department.*: identity_events.c) are announced
-- once at start; this row says it was done.
CREATE TABLE gw_org_backfill (done boolean PRIMARY KEY);
