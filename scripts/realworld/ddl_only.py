#!/usr/bin/env python3
"""Keep the part of a packaged schema file that retort models: tables, columns, keys, indexes,
foreign keys, checks, sequences and types. Dropped, and counted on stderr:
  - data: INSERT / UPDATE / DELETE / REPLACE statements, and top-level SELECTs (function calls
    made for their effect, such as Icinga's `SELECT updatedbversion(..)`);
  - objects outside retort's schema model: CREATE [OR REPLACE] FUNCTION / PROCEDURE / TRIGGER.

    python3 ddl_only.py IN.sql > OUT.sql      (IN may be gzip-compressed: *.gz)

Statements are split on the delimiter outside quotes ('..', "..", `..`, PostgreSQL $tag$..$tag$)
and comments (--, #, /* */); the mysql client's `DELIMITER xx` lines are followed (and not
copied, since every kept statement is written back ending in `;`).
"""
import gzip
import re
import sys

DATA = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT")  # SELECT: calls made for their effect (e.g. a version stamp)
OUT_OF_MODEL = re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?(FUNCTION|PROCEDURE|TRIGGER)\b",
                          re.I)
DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
DELIM_LINE = re.compile(r"^\s*DELIMITER\s+(\S+)\s*$", re.I | re.M)


def statements(text):
    """Yield (body, delimiter) for each statement; body excludes the delimiter."""
    i, start, n, delim = 0, 0, len(text), ";"
    while i < n:
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start:
            m = DELIM_LINE.match(text, i)
            if m and m.start() == i:
                if text[start:i].strip():
                    yield text[start:i], delim
                delim = m.group(1)
                i = start = m.end()
                continue
        c = text[i]
        if text.startswith(delim, i):
            yield text[start:i], delim
            i = start = i + len(delim)
        elif c in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == "\\" and c != "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
        elif c == "$" and DOLLAR.match(text, i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            tag = DOLLAR.match(text, i).group(0)
            j = text.find(tag, i + len(tag))
            i = n if j < 0 else j + len(tag)
        elif text.startswith("--", i) or c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            i += 1
    if text[start:].strip():
        yield text[start:], delim


def strip_comments(stmt):
    return "\n".join(l for l in stmt.splitlines() if l.strip() and not l.strip().startswith(("--", "#")))


def main():
    path = sys.argv[1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    kept, data, other = 0, 0, []
    out = []
    for body, _delim in statements(text):
        code = strip_comments(body)
        if not code:
            continue
        first = code.split(None, 1)[0].upper()
        if first in DATA:
            data += 1
        elif OUT_OF_MODEL.match(code):
            other.append(" ".join(code.split()[:5 if code.split()[1].upper() == "OR" else 3]))
        else:
            kept += 1
            out.append(body.strip("\n") + ";\n")
    sys.stdout.write("\n".join(out))
    msg = f"kept {kept} statements, dropped {data} data/call statements"
    if other:
        msg += f" and {len(other)} objects retort does not model ({'; '.join(other)})"
    print(f"ddl_only: {path}: {msg}", file=sys.stderr)


if __name__ == "__main__":
    main()
