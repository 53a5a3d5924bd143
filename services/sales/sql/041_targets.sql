-- Targets (业绩目标): an amount per month for a person or a department and
-- a figure (the kinds of sql/040's facts: 1 won opportunities, 2 approved
-- orders, 3 confirmed payments), set by admins and managers above them;
-- progress reads them beside the facts (docs/sales.md, "Performance").
CREATE TABLE sales_targets (
    subject    smallint    NOT NULL CHECK (subject IN (1, 2)),  -- 1 a person, 2 a department
    subject_id bigint      NOT NULL CHECK (subject_id > 0),
    kind       smallint    NOT NULL CHECK (kind BETWEEN 1 AND 3),
    month      date        NOT NULL CHECK (extract(day FROM month) = 1),
    amount     bigint      NOT NULL CHECK (amount BETWEEN 0 AND 100000000000000000),
    set_by     bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, subject_id, kind, month)
);
