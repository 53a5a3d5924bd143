-- crm_us and crm_ts are STABLE, not IMMUTABLE: their bodies use timestamptz
-- arithmetic and extract(epoch ...), which PostgreSQL marks STABLE, and the
-- planner inlines a SQL function only when its body is no more volatile
-- than the function says. Declared IMMUTABLE they were never inlined: every
-- call went through the SQL-function executor (parsing and planning the body
-- again in each statement), about a fifth of the database's time in a lead
-- create. The values they compute do not change.
ALTER FUNCTION crm_us(timestamptz) STABLE;
ALTER FUNCTION crm_ts(bigint) STABLE;
