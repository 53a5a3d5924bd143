-- Contract expiry (合同到期, issue #13): a signed contract whose end date
-- has passed becomes expired (the job sales.contract_expiry, at the start
-- of the day after its end date in the business time zone), and its owner
-- may be reminded N days before (the job sales.contract_expiring, at the
-- start of the end date less N; sales_settings.contract_remind_days from
-- CRM_SALES_CONTRACT_REMIND_DAYS, 0: no reminder). As sql/008 does for
-- stale opportunities: what each contract is owed lives in crm_pending
-- (kinds "contract.expire", "contract.expiring") and its due times are
-- published to the scheduler as per-record timers, both kept by the
-- triggers below in the statement that moves them (a signature, an end
-- date, an expiry, a termination; a change of the settings).

-- The business time zone (CRM_TZ) and the reminder's days, written by the
-- service at each start.
ALTER TABLE sales_settings
    ADD COLUMN tz text NOT NULL DEFAULT 'Asia/Shanghai',
    ADD COLUMN contract_remind_days integer NOT NULL DEFAULT 30
        CHECK (contract_remind_days BETWEEN 0 AND 3650);

-- The start of day d in time zone tz.
CREATE FUNCTION sales_day_start(d date, tz text) RETURNS timestamptz LANGUAGE sql STABLE
    RETURN d::timestamp AT TIME ZONE tz;

-- When a contract expires, and when its reminder falls due (NULL: never):
-- signed, with an end date.
CREATE FUNCTION sales_contract_expire_due(status smallint, end_date date, tz text)
    RETURNS timestamptz LANGUAGE sql STABLE
    RETURN CASE WHEN status = 3 AND end_date IS NOT NULL
                THEN sales_day_start(end_date + 1, tz) END;

CREATE FUNCTION sales_contract_remind_due(status smallint, end_date date, tz text, days integer)
    RETURNS timestamptz LANGUAGE sql STABLE
    RETURN CASE WHEN status = 3 AND end_date IS NOT NULL AND days > 0
                THEN sales_day_start(end_date - days, tz) END;

-- Owed and published: the due times of contract id as it stands now.
CREATE FUNCTION sales_contract_dues_set(id bigint, status smallint, end_date date)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s sales_settings;
    expire timestamptz;
    remind timestamptz;
BEGIN
    SELECT * INTO s FROM sales_settings;
    expire := sales_contract_expire_due(status, end_date, s.tz);
    remind := sales_contract_remind_due(status, end_date, s.tz, s.contract_remind_days);
    PERFORM crm_pending_set('contract.expire', id, expire);
    PERFORM crm_pending_set('contract.expiring', id, remind);
    PERFORM crm_timer_publish(id::text, crm_timer_entry('sales.contract_expiry', expire)
                                        || crm_timer_entry('sales.contract_expiring', remind));
END $$;

CREATE FUNCTION contracts_dues_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_contract_dues_set(NEW.id, NEW.status, NEW.end_date);
    RETURN NULL;
END $$;

CREATE TRIGGER contracts_dues_inserted AFTER INSERT ON contracts FOR EACH ROW
    WHEN (NEW.status = 3) EXECUTE FUNCTION contracts_dues_changed();
CREATE TRIGGER contracts_dues_updated AFTER UPDATE OF status, end_date ON contracts FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.end_date IS DISTINCT FROM NEW.end_date)
    EXECUTE FUNCTION contracts_dues_changed();

-- The time zone or the reminder's days changed: every signed contract's
-- due times move with them.
CREATE FUNCTION sales_settings_contracts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sales_contract_dues_set(k.id, k.status, k.end_date)
       FROM contracts k WHERE k.status = 3 ORDER BY k.id;
    RETURN NULL;
END $$;

CREATE TRIGGER sales_settings_contracts_changed
    AFTER UPDATE OF tz, contract_remind_days ON sales_settings FOR EACH ROW
    WHEN (OLD.tz IS DISTINCT FROM NEW.tz
          OR OLD.contract_remind_days IS DISTINCT FROM NEW.contract_remind_days)
    EXECUTE FUNCTION sales_settings_contracts_changed();

-- The signed contracts there already.
SELECT sales_contract_dues_set(id, status, end_date) FROM contracts WHERE status = 3 ORDER BY id;
