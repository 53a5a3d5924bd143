-- The jobs are declared by the services that own them, at their start
-- (Scheduler.DeclareJobs), no longer inserted here: a new database gets its
-- rows from the declarations. The rows earlier versions inserted
-- (customers.recycle in 001, leads.recycle in 002, leads.remind in 003; those
-- versions stay recorded in crm_migrations) are kept: their owner is NULL
-- until the first declaration names it. Nothing is deleted.
ALTER TABLE scheduler_jobs ADD COLUMN owner text;
