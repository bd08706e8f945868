"""PostgreSQL triggers that keep a summary table from a statement's rows (issue 17).

The members summary (org/member_counts.py) and the commitments summary
(reviews/commitment_counts.py) are kept the same way: one function per source table, run once per
statement after an INSERT, a DELETE or an UPDATE, reading the statement's rows through its
transition tables (`new_rows`, `old_rows`). Each summary says what to do with them; this module
writes the function and its three triggers, and their removal.
"""

OPERATIONS = ("insert", "delete", "update")


def create_sql(name: str, table: str, *, inserted: str, deleted: str, updated: str) -> str:
    """The function `name()` running `inserted` after an INSERT on `table` (reading new_rows),
    `deleted` after a DELETE (old_rows) and `updated` after an UPDATE (both), and its triggers
    `name_insert`, `name_delete`, `name_update`."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {inserted};
    ELSIF TG_OP = 'DELETE' THEN
        {deleted};
    ELSE
        {updated};
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {name}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {name}_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def drop_sql(name: str, table: str) -> str:
    """Removes what create_sql made."""
    triggers = "".join(f"DROP TRIGGER IF EXISTS {name}_{op} ON {table};\n" for op in OPERATIONS)
    return f"\n{triggers}DROP FUNCTION IF EXISTS {name}();\n"
