#!/usr/bin/env python3
"""Compare two schema dumps modulo ordering; exit 0 when they match, 1 with the differences.

    python3 compare_dumps.py pg|mysql A.sql B.sql

pg: `pg_dump --schema-only --no-owner --no-privileges` output. mysql: `mysqldump --no-data
--compact` output. Normalized away: comments, SET / set_config lines, blank lines,
AUTO_INCREMENT=<n> table counters, `/*!…*/` version wrappers; then the statements are sorted.
Inside a CREATE TABLE the columns keep their order (column order is part of the schema);
the key and constraint lines are sorted, since the order they were declared in is not.
"""
import re
import sys


def split_statements(text):
    out, cur = [], []
    for line in text.splitlines():
        s = line.rstrip()
        # comments, and psql meta-commands (pg_dump's per-dump random `\restrict KEY` lines)
        # and MariaDB's `/*M!999999\- enable the sandbox mode */` first line
        if not s.strip() or s.lstrip().startswith("--") or s.startswith("\\") or s.startswith("/*M!"):
            continue
        cur.append(s)
        if s.endswith(";"):
            out.append("\n".join(cur))
            cur = []
    if cur:
        out.append("\n".join(cur))
    return out


def norm_pg(stmt):
    first = stmt.split(None, 1)[0].upper()
    if first in ("SET", "SELECT"):
        return None
    if stmt.startswith("CREATE TABLE"):
        return sort_table_body(stmt, key_line=lambda l: l.strip().startswith("CONSTRAINT "))
    return stmt


MYSQL_KEY = re.compile(r"^\s*(PRIMARY KEY|UNIQUE KEY|KEY|FULLTEXT KEY|SPATIAL KEY|CONSTRAINT|INDEX|UNIQUE)\b")


def norm_mysql(stmt):
    s = re.sub(r"/\*![0-9]{5} (.*?) ?\*/", r"\1", stmt, flags=re.S).strip()
    if not s or s == ";" or s.split(None, 1)[0].upper() in ("SET",):
        return None
    s = re.sub(r" AUTO_INCREMENT=\d+", "", s)
    if s.startswith("CREATE TABLE"):
        return sort_table_body(s, key_line=lambda l: bool(MYSQL_KEY.match(l)))
    return s


def sort_table_body(stmt, key_line):
    lines = stmt.split("\n")
    if len(lines) < 3:
        return stmt
    head, body, tail = lines[0], lines[1:-1], lines[-1]
    body = [l.rstrip(",") for l in body]
    cols = [l for l in body if not key_line(l)]
    keys = sorted(l for l in body if key_line(l))
    items = cols + keys
    if not items:
        return stmt
    return "\n".join([head] + [l + "," for l in items[:-1]] + [items[-1], tail])


def load(path, dialect):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    norm = norm_pg if dialect == "pg" else norm_mysql
    return [n for n in (norm(s) for s in split_statements(text)) if n]


def main():
    dialect, a_path, b_path = sys.argv[1:4]
    a, b = load(a_path, dialect), load(b_path, dialect)
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    print(f"compare: {len(a)} statements in A ({a_path}), {len(b)} in B ({b_path})")
    if not only_a and not only_b and sorted(a) == sorted(b):
        print("compare: the dumps match modulo ordering")
        return 0
    # pair up statements about the same object so each difference reads as expected/got
    def obj(s):
        m = re.match(r"(CREATE (?:UNIQUE )?INDEX \S+|CREATE TABLE \S+|CREATE SEQUENCE \S+|ALTER TABLE (?:ONLY )?\S+"
                     r"(?:\s+ADD CONSTRAINT \S+|\s+ALTER COLUMN \S+)?|ALTER SEQUENCE \S+(?: OWNED BY)?|\S+ \S+ \S+)", s)
        return m.group(1) if m else s[:60]
    by_a, by_b = {}, {}
    for s in only_a:
        by_a.setdefault(obj(s), []).append(s)
    for s in only_b:
        by_b.setdefault(obj(s), []).append(s)
    n = 0
    for k in sorted(set(by_a) | set(by_b)):
        n += 1
        print(f"\n--- difference {n}: {k}")
        for s in by_a.get(k, []):
            print("  A (loaded from the package's DDL):")
            print("    " + s.replace("\n", "\n    "))
        for s in by_b.get(k, []):
            print("  B (built by retort's revision):")
            print("    " + s.replace("\n", "\n    "))
        if k in by_a and k in by_b and len(by_a[k]) == 1 and len(by_b[k]) == 1:
            la, lb = by_a[k][0].split("\n"), by_b[k][0].split("\n")
            if len(la) == len(lb):
                for x, y in zip(la, lb):
                    if x != y:
                        print(f"  line differs: A `{x.strip()}` / B `{y.strip()}`")
    print(f"\ncompare: {n} objects differ ({len(only_a)} statements only in A, {len(only_b)} only in B)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
