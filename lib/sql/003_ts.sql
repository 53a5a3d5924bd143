-- The reverse of crm_us: microseconds since the epoch as a timestamp, with
-- 0 (the protos' "not set") as NULL. Exact to the microsecond.
CREATE FUNCTION crm_ts(us bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN us = 0 THEN NULL
                ELSE 'epoch'::timestamptz + us * interval '1 microsecond' END;
