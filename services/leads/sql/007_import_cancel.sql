-- An import can be cancelled: it is done, and no further chunk is taken.
ALTER TABLE lead_imports ADD COLUMN cancelled boolean NOT NULL DEFAULT false;
CREATE INDEX lead_imports_creator ON lead_imports (created_by, id DESC);
