-- Team members (相关团队成员): users who work a lead with its owner. They
-- read it and follow it up; the owner's side (transfer, convert, ...) stays
-- with the owner's data scope.
CREATE TABLE lead_team (
    lead_id  bigint      NOT NULL,
    user_id  bigint      NOT NULL,
    added_by bigint      NOT NULL DEFAULT 0,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lead_id, user_id)
);
CREATE INDEX lead_team_user ON lead_team (user_id, lead_id);
