-- Per-record timers (the scheduler issue): a service's database publishes
-- the due times of its records to the scheduler as "timer.set" events
-- (proto/events.proto TimerSet), written into crm_outbox by the trigger of
-- the table that keeps them, in the transaction that moves them. A trigger
-- sees every path (a call's change, an import, a rule recomputing a
-- hundred thousand deadlines in one statement), so the event is encoded
-- here, in SQL: the few protobuf wire rules these two messages need.

-- A non-negative integer as a protobuf varint.
CREATE FUNCTION crm_pb_varint(v bigint) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    b bytea := ''::bytea;
BEGIN
    IF v < 0 THEN
        RAISE EXCEPTION 'crm_pb_varint: % is negative', v;
    END IF;
    WHILE v >= 128 LOOP
        b := b || set_byte('\x00'::bytea, 0, ((v & 127) | 128)::int);
        v := v >> 7;
    END LOOP;
    RETURN b || set_byte('\x00'::bytea, 0, v::int);
END $$;

-- A length-delimited field (a string or an embedded message).
CREATE FUNCTION crm_pb_field(field int, b bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN crm_pb_varint((field << 3) | 2) || crm_pb_varint(length(b)) || b;

-- One Timer as an entry of TimerSet.timers (field 2): its name and due
-- time; NULL (or before 1970) clears it (due_at_us left out, so 0).
CREATE FUNCTION crm_timer_entry(name text, due timestamptz) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN crm_pb_field(2, crm_pb_field(1, convert_to(name, 'UTF8'))
        || CASE WHEN crm_us(due) > 0 THEN crm_pb_varint(2 << 3) || crm_pb_varint(crm_us(due))
                ELSE ''::bytea END);

-- Writes "timer.set" for record with its changed timers (entries made by
-- crm_timer_entry, concatenated) into the outbox.
CREATE FUNCTION crm_timer_publish(record text, entries bytea) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO crm_outbox (event_id, type, aggregate_id, payload)
    VALUES (gen_random_uuid(), 'timer.set', record,
            crm_pb_field(1, convert_to(record, 'UTF8')) || entries)
$$;
