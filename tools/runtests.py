"""Run every crm8 test: module tests on PostgreSQL and tests/ in parallel.

Each job gets its own database (DB_NAME) and all share template databases
(DB_CACHE) that are dropped first, so a run never reuses a stale template.
Exit status is non-zero if anything failed or if no test ran.
"""
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = 'postgresql://postgres@127.0.0.1:5432/'
JOBS = int(os.environ.get('CRM8_TEST_JOBS', os.cpu_count() or 2))
LOGS = ROOT / 'var' / 'test-logs'
PYTEST = 'tests'  # the label of the cross-module tests' job


def ensure_postgresql():
    import psycopg
    try:
        psycopg.connect(PG + 'postgres').close()
        return
    except psycopg.OperationalError:
        pass
    for version in sorted(os.listdir('/etc/postgresql'), reverse=True):
        subprocess.call(['pg_ctlcluster', '--skip-systemctl-redirect',
                version, 'main', 'start'])
        break
    for _ in range(30):
        try:
            psycopg.connect(PG + 'postgres').close()
            return
        except psycopg.OperationalError:
            time.sleep(1)
    sys.exit("PostgreSQL is not running on 127.0.0.1:5432")


def drop_test_databases():
    import psycopg
    with psycopg.connect(PG + 'postgres', autocommit=True) as conn:
        names = [n for n, in conn.execute(
                "SELECT datname FROM pg_database "
                "WHERE datname LIKE 'test-%' "
                "OR datname LIKE 'crm8_test_crm8_%'")]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def module_jobs():
    jobs = []
    for module in sorted((ROOT / 'addons').glob('crm8_*/tests')):
        name = module.parent.name
        for test in sorted(module.glob('test_*.py')):
            jobs.append((f'{name}.{test.stem}',
                    [PY, '-m', 'unittest', '-v',
                        f'crm8.{name}.tests.{test.stem}']))
    return jobs


def run(job):
    label, cmd = job
    if label == PYTEST:
        # the cross-module tests start their own servers on SQLite files
        env = dict(os.environ)
    else:
        env = dict(os.environ,
            TRYTOND_DATABASE_URI=PG,
            DB_NAME='crm8_test_' + label.replace('.', '_'),
            DB_CACHE='postgresql://',
            PYTHONWARNINGS='ignore::DeprecationWarning')
    start = time.monotonic()
    log = LOGS / f'{label}.log'
    with open(log, 'w') as out:
        code = subprocess.call(cmd, env=env, stdout=out, stderr=out,
            cwd=ROOT)
    text = log.read_text()
    if label == PYTEST:
        # pytest exits 5 when it collected nothing: there must be tests
        ran = ' passed' in text
    else:
        ran = 'Ran 0 tests' not in text and 'Ran ' in text
    return label, code, time.monotonic() - start, ran, log


def main():
    LOGS.mkdir(parents=True, exist_ok=True)
    ensure_postgresql()
    drop_test_databases()
    start = time.monotonic()
    failed = []
    # the slowest first so that the pool ends together: the cross-module
    # tests (RPC on the SQLite demo path and the browser), then scenarios
    jobs = [(PYTEST, [PY, '-m', 'pytest', '-q', 'tests'])] + sorted(
        module_jobs(), key=lambda j: 'scenario' not in j[0])
    with ThreadPoolExecutor(JOBS) as pool:
        for label, code, seconds, ran, log in pool.map(run, jobs):
            ok = code == 0 and ran
            print(f"{'ok  ' if ok else 'FAIL'} {label} ({seconds:.0f} s)",
                flush=True)
            if not ok:
                failed.append(label)
                sys.stdout.write(log.read_text()[-6000:])
    drop_test_databases()
    print(f"total {time.monotonic() - start:.0f} s")
    if failed:
        print("FAILED:", ', '.join(failed))
        sys.exit(1)


if __name__ == '__main__':
    main()
