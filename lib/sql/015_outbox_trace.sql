-- The request id (trace id, crm/trace.h) of the work that wrote an event,
-- published with it (Event.trace_id) so its consumers carry it on. NULL:
-- none (a scheduled job's page, a trigger's own event such as timer.set).
ALTER TABLE crm_outbox ADD COLUMN trace_id text;
