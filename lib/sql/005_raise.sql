-- crm_raise: fails the transaction with a message of the caller's (SQLSTATE
-- P0001, which callers see as failed_precondition). The outbox uses it to
-- refuse an event over its size bound inside the change that writes it, so
-- the whole change fails, clearly, and nothing half-written commits.
CREATE FUNCTION crm_raise(p_message text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', p_message;
END $$;
