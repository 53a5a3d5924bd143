-- Contacts imports (联系人导入), on the kit's import pipeline (crm/import.h):
-- the import and its counters, and each applied chunk's results, of the
-- very shape of customer_imports and customer_import_chunks (the kit's
-- statements read those columns), with ids of their own. A contacts
-- import has no target: each row names its customer, so the target
-- columns stay 0.
CREATE TABLE contact_imports (LIKE customer_imports INCLUDING ALL);
CREATE SEQUENCE contact_imports_id_seq OWNED BY contact_imports.id;
ALTER TABLE contact_imports ALTER id SET DEFAULT nextval('contact_imports_id_seq');
CREATE TABLE contact_import_chunks (
    LIKE customer_import_chunks INCLUDING ALL,
    FOREIGN KEY (import_id) REFERENCES contact_imports (id)
);
-- The row of an import that made a customer's primary contact: one per
-- customer in an import, so a later chunk's second one is refused.
CREATE TABLE contact_import_primaries (
    import_id   bigint NOT NULL REFERENCES contact_imports (id),
    customer_id bigint NOT NULL,
    row         bigint NOT NULL, -- its number in the import, from 1
    PRIMARY KEY (import_id, customer_id)
);
