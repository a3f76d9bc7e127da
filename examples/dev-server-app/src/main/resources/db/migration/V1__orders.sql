-- Run by Flyway at start, as whatever lease is current: the table belongs to the owner role the leased
-- role acts as (docs/testkit.md, "Who owns the application's tables"), so later leases can use it.
CREATE TABLE orders (
    id         bigserial   PRIMARY KEY,
    item       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
