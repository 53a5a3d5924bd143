-- Helpers every service's SQL uses.

-- A timestamp as microseconds since the epoch, the form the protos carry.
CREATE FUNCTION crm_us(t timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (extract(epoch FROM t) * 1000000)::bigint;
