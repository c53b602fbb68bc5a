-- leading comment; with a semicolon
SELECT 1; -- trailing; comment
/* block; comment /* nested; */ still; comment */
SELECT 2 /* inline; */ + 3;
-- only comments after the last statement;
SELECT 4 -- a comment before the semicolon
;
SELECT 5 /* trailing block */
