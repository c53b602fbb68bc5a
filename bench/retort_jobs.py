#!/usr/bin/env python3
"""Time retort's schema jobs on the databases the reference harness loaded.

    python3 bench/retort_jobs.py --retort PATH --sizes 100,1000 --dialects pg,mysql

For each dialect and N it reads the database the harness's `schema.load` left
(bench_schema_n<N>) and times, with the harness's method (/usr/bin/time -v per run, one
warm-up, median of 3 runs, 5 when a run is under 5 s; peak RSS of the process tree):

  retort.check     `retort check` against models.rs (the loaded schema): must exit 0
  retort.autogen   `retort revision --autogenerate -m mutated` against models_mutated.rs:
                   one file naming every table, column and index of mutations.json

The projects (under $BENCH_WORK/proj/retort-own-*) list `alembic_version` in
`exclude_tables` (Alembic's jobs ran first on the same database and leave that table) and
keep migrations/ empty, so head = base and only drift counts. A run that exits other than
expected is recorded with its first lines of output and still timed: the time of a check
that found false drift is the time of the same work. Results are upserted into
$BENCH_WORK/results/retort_own.json (key job|dialect|size).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

WORK = os.path.abspath(os.environ.get("BENCH_WORK") or "/tmp/retort-bench")
OUT = os.path.join(WORK, "results", "retort_own.json")
CLK = os.sysconf("SC_CLK_TCK")
PG = os.environ.get("BENCH_PG_URL") or "postgres://postgres@127.0.0.1:5432"
MY = os.environ.get("BENCH_MYSQL_URL") or "mysql://root@127.0.0.1:3306"
SERVER_NAMES = {"pg": ("postgres",), "mysql": ("mariadbd", "mysqld")}


def server_ticks(dialect):
    """CPU ticks of the database server's processes on this machine, reaped children included."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        if comm in SERVER_NAMES[dialect]:
            fields = st[st.rindex(")") + 2:].split()
            # utime + stime, plus cutime + cstime: PostgreSQL's per-connection backends exit
            # before the second sample, and their time then sits in the postmaster's cutime
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total


def busy_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]


def run_once(argv, cwd, dialect):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        s0, b0 = server_ticks(dialect), busy_ticks()
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *argv], cwd=cwd, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, env=clean_env(), timeout=900)
        wall = time.perf_counter() - t0
        s1, b1 = server_ticks(dialect), busy_ticks()
        tv = tf.read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv).group(1))
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", tv))
    server = (s1 - s0) / CLK
    foreign = max(0.0, (b1 - b0) / CLK - cpu - server) / wall if wall > 0 else 0.0
    return p, dict(wall_s=round(wall, 4), rss_kb=rss, cpu_s=round(cpu, 3), server_cpu_s=round(server, 3),
                   foreign_cores=round(foreign, 2))


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if not (k == "DATABASE_URL" or k.startswith(("PG", "MYSQL", "RUST_LOG")))}
    return env


def measure(argv, cwd, dialect, reps, setup=None, verify=None):
    runs, notes, r, total = [], [], 0, 1 + reps
    while r < total:
        if setup:
            setup()
        p, m = run_once(argv, cwd, dialect)
        note = verify(p) if verify else None
        if note and note not in notes:
            notes.append(note)
        if r > 0:
            runs.append(m)
        elif m["wall_s"] < 5.0:
            total = 1 + max(reps, 5)
        elif m["wall_s"] > 60.0:  # slow: count the warm-up
            runs.append(m)
            total -= 1
        print(f"  {'warmup' if r == 0 and m not in runs else 'rep'}: {m['wall_s']:.3f}s rss {m['rss_kb']} kB "
              f"cpu {m['cpu_s']:.2f}s server {m['server_cpu_s']:.2f}s foreign {m['foreign_cores']:.2f} "
              f"exit {p.returncode}", flush=True)
        r += 1

    def med(k):
        return statistics.median(x[k] for x in runs)
    return dict(runs=runs, wall_s=round(med("wall_s"), 4), rss_kb=int(med("rss_kb")), cpu_s=round(med("cpu_s"), 3),
                server_cpu_s=round(med("server_cpu_s"), 3), foreign_cores=round(med("foreign_cores"), 2),
                notes=notes, cmd=f"cd {cwd} && {' '.join(argv)}",
                ok=not any(n.startswith("FAIL") for n in notes))


def project(dialect, n, variant):
    pdir = os.path.join(WORK, "proj", f"retort-own-{dialect}-n{n}-{variant}")
    mdir = os.path.join(pdir, "migrations")
    os.makedirs(mdir, exist_ok=True)
    for f in os.listdir(mdir):
        os.remove(os.path.join(mdir, f))
    url = f"{PG if dialect == 'pg' else MY}/bench_schema_n{n}"
    with open(os.path.join(pdir, "retort.toml"), "w") as f:
        f.write(f'''# written by bench/retort_jobs.py
[database]
url = "{url}"

[models]
rust = ["models.rs"]
exclude_tables = ["alembic_version"]

[migrations]
dir = "migrations"
version_table = "retort_version"
''')
    shutil.copyfile(os.path.join(WORK, "schemas", f"n{n}", f"{variant}.rs"), os.path.join(pdir, "models.rs"))
    return pdir


def first_lines(p, k=3):
    text = (p.stdout + p.stderr).strip().splitlines()
    return " | ".join(text[:k])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retort", required=True)
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--dialects", default="pg,mysql")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    retort = os.path.abspath(a.retort)
    res = json.load(open(OUT)) if os.path.exists(OUT) else {}
    for n in [int(x) for x in a.sizes.split(",") if x]:
        for d in [x for x in a.dialects.split(",") if x]:
            if not os.path.exists(os.path.join(WORK, "schemas", f"n{n}", "mutations.json")):
                print(f"retort_jobs: no schema n{n} under {WORK}/schemas (run the harness's schema.load first)")
                continue
            # check: the models are the loaded schema
            pdir = project(d, n, "models")
            print(f"retort.check {d} n={n}", flush=True)

            def v_check(p):
                if p.returncode == 0:
                    return "exit 0: no drift (ok)"
                return f"FAIL exit {p.returncode}: {first_lines(p)}"
            rec = measure([retort, "check"], pdir, d, a.reps, verify=v_check)
            res[f"retort.check|{d}|{n}"] = dict(rec, job="retort.check", dialect=d, size=n,
                                                when=time.strftime("%Y-%m-%dT%H:%M:%S"))
            # autogenerate: the mutated models
            pdir = project(d, n, "models_mutated")
            mdir = os.path.join(pdir, "migrations")
            muts = json.load(open(os.path.join(WORK, "schemas", f"n{n}", "mutations.json")))["mutations"]
            meta = json.load(open(os.path.join(WORK, "schemas", f"n{n}", "meta.json")))
            expected = sum(meta["expected_diffs"].values())
            names = sorted({m["table"] for m in muts} | {m[k] for m in muts for k in ("column", "index") if k in m})

            def clear():
                for f in os.listdir(mdir):
                    os.remove(os.path.join(mdir, f))

            def v_auto(p):
                files = sorted(os.listdir(mdir))
                if p.returncode != 0 or len(files) != 1:
                    return f"FAIL exit {p.returncode}, files {files}: {first_lines(p)}"
                text = open(os.path.join(mdir, files[0]), errors="replace").read()
                missing = [x for x in names if x not in text]
                up = text.split("-- retort:upgrade", 1)[-1].split("-- retort:downgrade", 1)[0]
                stmts = up.count(";\n")
                if missing:
                    return f"FAIL revision misses {missing}"
                if stmts > 2 * expected + 2:
                    return (f"FAIL false drift: {stmts} upgrade statements for {expected} expected changes "
                            f"(first: {up.strip().splitlines()[0][:120]})")
                return f"one revision naming all {len(names)} changed names, {stmts} upgrade statements ({expected} changes)"
            print(f"retort.autogen {d} n={n}", flush=True)
            rec = measure([retort, "revision", "--autogenerate", "-m", "mutated"], pdir, d, a.reps,
                          setup=clear, verify=v_auto)
            res[f"retort.autogen|{d}|{n}"] = dict(rec, job="retort.autogen", dialect=d, size=n,
                                                  when=time.strftime("%Y-%m-%dT%H:%M:%S"))
            os.makedirs(os.path.dirname(OUT), exist_ok=True)
            with open(OUT, "w") as f:
                json.dump(res, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
