-- 待我审批 of a contract's approver: the steps waiting on a person (an
-- order's waiting approver is also in its row, orders_to_approve).
CREATE INDEX approval_steps_approver_waiting ON approval_steps (approver_id, doc_kind, doc_id)
    WHERE decision = 2 AND approver_id <> 0;
