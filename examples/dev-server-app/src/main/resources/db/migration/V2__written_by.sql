-- Every lease is a new database user: record which one wrote each row.
ALTER TABLE orders ADD COLUMN written_by text NOT NULL DEFAULT session_user;
