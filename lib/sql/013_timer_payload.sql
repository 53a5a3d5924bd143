-- A TimerSet payload (proto/events.proto) for record and its entries
-- (crm_timer_entry, concatenated): for the triggers that publish the timers
-- of a whole statement's rows in one INSERT (transition tables), as
-- crm_timer_publish does for one row.
CREATE FUNCTION crm_timer_payload(record text, entries bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN crm_pb_field(1, convert_to(record, 'UTF8')) || entries;
