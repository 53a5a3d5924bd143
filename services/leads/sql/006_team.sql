-- Team members (相关团队成员): users who work a lead with its owner. They
-- read it and follow it up; the owner's side (transfer, convert, ...) stays
-- with the owner's data scope. Kept on the lead itself (the change engine
-- writes the whole row; NULL, which costs no space, when there is none),
-- with an index for "the leads I am a member of".
ALTER TABLE leads ADD COLUMN team_member_ids bigint[];
CREATE INDEX leads_team ON leads USING gin (team_member_ids)
    WHERE deleted_at IS NULL AND team_member_ids IS NOT NULL;
