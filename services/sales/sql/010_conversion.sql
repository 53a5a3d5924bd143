-- The opportunity a lead's conversion asked for (转为客户和商机), made by the
-- sales service when the customers service announces the customer
-- (customer.created carrying the request; sales_conversion.c): at most one
-- per lead, whatever happens to the events (the consumer's offsets apply
-- each once; this key besides).
ALTER TABLE opportunities ADD COLUMN conversion_lead_id bigint;
CREATE UNIQUE INDEX opportunities_conversion ON opportunities (conversion_lead_id)
    WHERE conversion_lead_id IS NOT NULL;
