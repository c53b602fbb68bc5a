#!/usr/bin/env python3
"""Summarize the reference harness's results.json for retort (docs/benchmark.md's tables).

    python3 bench/summarize.py /tmp/retort-bench/results/results.json > summary.md

One table per dialect: for each N, retort's `check` (no changes) and autogenerate (~1% of
tables changed), the dump tool reading the same catalog (`pg_dump --schema-only` /
`mysqldump --no-data`), Alembic's check and autogenerate, wall seconds (median) and peak RSS
of the process tree; then the ratios Alembic ÷ retort and retort ÷ dump, and the targets of
issue 3 (at N=5000: check >= 50x faster than Alembic, within 3x of the dump, under 200 MB).
Standard library only, so it runs with any python3.
"""
import json
import sys

DIALECTS = {"pg": ("PostgreSQL", "pg_dump --schema-only"), "mysql": ("MariaDB", "mysqldump --no-data"),
            "sqlite": ("SQLite", "sqlite3 .schema")}
FOREIGN_MAX = 0.3  # cores of other load during a run above which a row is flagged, as the harness does


OWN = {}  # bench/retort_jobs.py's rows: retort measured on the same databases (see docs/benchmark.md)


def rec(res, tool, job, dialect, n):
    if tool == "retort":
        own = OWN.get(f"retort.{job.split('.', 1)[1]}|{dialect}|{n}")
        if own is not None:
            return own
    return res.get(f"{tool}|{job}|{dialect}|{n}")


def ok(r):
    """Timed: a row with a wall time (a retort row whose check failed still has one)."""
    return r is not None and not r.get("failed") and not r.get("skipped") and "wall_s" in r


def passed(r):
    return ok(r) and r.get("ok", True)


def cell(r):
    if r is None:
        return "not run"
    if r.get("failed"):
        return "FAILED"
    if r.get("skipped"):
        return "skipped (>600 s)"
    flag = " ⚠" if r.get("foreign_cores", 0) > FOREIGN_MAX else ""
    bad = "" if r.get("ok", True) else " ✗"
    return f"{fmt_s(r['wall_s'])} s ({r['rss_kb'] / 1024:.0f} MB){flag}{bad}"


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def ratio(a, b):
    if not (ok(a) and ok(b)) or b["wall_s"] <= 0:
        return "—"
    return f"{a['wall_s'] / b['wall_s']:.1f}x"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/retort-bench/results/results.json"
    with open(path) as f:
        res = json.load(f)
    if len(sys.argv) > 2:
        try:
            with open(sys.argv[2]) as f:
                OWN.update(json.load(f))
        except FileNotFoundError:
            pass
    sizes = sorted({r["size"] for r in res.values() if r.get("job", "").startswith("schema.")})
    dialects = [d for d in DIALECTS if any(r.get("dialect") == d and r.get("job", "").startswith("schema.")
                                           for r in res.values())]
    out = ["# retort schema benchmark: summary", "",
           "Median wall seconds (peak RSS of the tool's process tree). ⚠: other load on the machine "
           f"above {FOREIGN_MAX} cores during the run. ✗: the run did not pass its check (see Notes). "
           "Ratios > 1x mean the first is slower.", ""]
    failures = []
    for d in dialects:
        name, dump = DIALECTS[d]
        out += [f"## {name}", "",
                "| N | load DDL (client) | retort check | retort autogen | " + dump +
                " | alembic check | alembic autogen | alembic ÷ retort (check) | alembic ÷ retort (autogen) "
                "| retort check ÷ dump |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n in sizes:
            load = rec(res, "ref", "schema.load", d, n)
            rc, ra = rec(res, "retort", "schema.check", d, n), rec(res, "retort", "schema.autogen", d, n)
            cat = rec(res, "ref", "schema.catalog", d, n)
            ac, aa = rec(res, "alembic", "schema.check", d, n), rec(res, "alembic", "schema.autogen", d, n)
            if not any((load, rc, ra, cat, ac, aa)):
                continue
            for r in (load, rc, ra, cat, ac, aa):
                if r is not None and (r.get("failed") or not r.get("ok", True)):
                    failures.append(r)
            out.append(f"| {n} | {cell(load)} | {cell(rc)} | {cell(ra)} | {cell(cat)} | {cell(ac)} | {cell(aa)} "
                       f"| {ratio(ac, rc)} | {ratio(aa, ra)} | {ratio(rc, cat)} |")
        out.append("")
        rc, cat, ac = (rec(res, "retort", "schema.check", d, 5000), rec(res, "ref", "schema.catalog", d, 5000),
                       rec(res, "alembic", "schema.check", d, 5000))
        out += [f"Targets at N = 5000 ({name}):", ""]
        if ok(rc) and ok(ac):
            x = ac["wall_s"] / rc["wall_s"]
            out.append(f"- check at least 50x faster than Alembic: {x:.1f}x — {'met' if x >= 50 else 'NOT met'}")
        else:
            out.append("- check at least 50x faster than Alembic: not measured")
        if ok(rc) and ok(cat):
            x = rc["wall_s"] / cat["wall_s"]
            out.append(f"- check within 3x of {dump}: {x:.2f}x — {'met' if x <= 3 else 'NOT met'}")
        else:
            out.append(f"- check within 3x of {dump}: not measured")
        mem = [r["rss_kb"] / 1024 for r in (rc, rec(res, "retort", "schema.autogen", d, 5000)) if ok(r)]
        if mem:
            out.append(f"- peak memory under 200 MB: {max(mem):.0f} MB — {'met' if max(mem) < 200 else 'NOT met'}")
        else:
            out.append("- peak memory under 200 MB: not measured")
        out.append("")
        cpu = [(n, rec(res, "retort", "schema.check", d, n)) for n in sizes]
        cpu = [(n, r) for n, r in cpu if ok(r)]
        if cpu:
            out += [f"retort check, where the time goes ({name}): client CPU vs database server CPU", "",
                    "| N | wall s | retort CPU s | server CPU s |", "|---:|---:|---:|---:|"]
            out += [f"| {n} | {fmt_s(r['wall_s'])} | {r['cpu_s']:.3f} | {r['server_cpu_s']:.3f} |" for n, r in cpu]
            out.append("")
    if failures:
        out += ["## Notes: runs that did not pass their check", ""]
        for r in failures:
            why = (r.get("failed") or "; ".join(n for n in r.get("notes", []) if n.startswith("FAIL"))).strip()
            why = why.splitlines()
            key = r.get("key") or f"{r.get('job')}|{r.get('dialect')}|{r.get('size')}"
            out.append(f"- `{key}`: {why[0][:400] if why else '?'}")
            if r.get("cmd"):
                out.append(f"  - command: `{r['cmd']}`")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
