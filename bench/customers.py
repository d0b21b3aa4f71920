# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Customer benchmark: import throughput and rep search latency (CUS-17).

  python bench/customers.py [--rows 100000] [--database URI] [--fresh]

1. raw: batched ``Party.create`` of parties with one phone contact
   mechanism (plain parties, then customers with the crm8_customer
   context), each in a transaction rolled back;
2. import: the same number of rows through ``CustomerImporter`` (read the
   xlsx, check, write), committed: the database then holds ROWS customers,
   1/50 of them owned by the rep;
3. search: ``search_read`` of 80 customers by ``('rec_name', 'ilike',
   '%张%')``-style domains as the rep (record rules) and as admin.

Prints JSON on stdout; progress on stderr.  See bench/README.md.
"""
import argparse
import io
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = 'postgresql://postgres@127.0.0.1:5432/crm8_bench'
BATCH = 1000
OWNERS = 50  # the rep owns 1/OWNERS of the customers
INDUSTRIES = ['制造业', '零售', '软件和信息技术服务业', '建筑业', '金融业',
    '物流', '教育', '医疗']
REGIONS = [('广东省', '深圳市'), ('广东省', '广州市'), ('浙江省', '杭州市'),
    ('江苏省', '苏州市'), ('四川省', '成都市'), ('北京市', None),
    ('上海市', None)]
QUERIES = ['%张%', '%王%', '%李%', '%刘%', '%陈%', '%科技%']


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def percentile(values, share):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(share * len(values)) - 1))
    return values[index]


def generate(rows, owners, seed=1):
    "Return the rows as dicts: code, name, phone, industry, region, owner"
    import phonenumbers
    from faker import Faker
    fake = Faker('zh_CN')
    Faker.seed(seed)
    rng = random.Random(seed)
    result = []
    suffixes = ['商贸', '科技', '实业', '电子', '贸易', '餐饮']
    for i in range(rows):
        while True:
            phone = fake.phone_number()
            number = phonenumbers.parse(phone, 'CN')
            if phonenumbers.is_valid_number(number):
                break
        if rng.random() < 0.3:
            # named after a person: 张伟商贸有限公司
            name = f'{fake.name()}{rng.choice(suffixes)}有限公司{i}'
        else:
            name = f'{fake.company()}{i}'
        province, city = rng.choice(REGIONS)
        result.append({
                'code': f'B{i:07d}',
                'name': name,
                'phone': phone,
                'e164': phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.E164),
                'industry': rng.choice(INDUSTRIES),
                'province': province,
                'city': city,
                'owner': owners[i % len(owners)],
                })
    return result


def workbook(rows):
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(['客户编码', '名称', '电话', '行业', '省份', '城市', '负责人'])
    for row in rows:
        sheet.append([row['code'], row['name'], row['phone'],
                row['industry'], row['province'], row['city'], row['owner']])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def database_exists(uri):
    import psycopg
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(uri)
    server = urlunsplit(('postgresql', parts.netloc, '/postgres', '', ''))
    with psycopg.connect(server, autocommit=True) as conn:
        return bool(conn.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s',
                (parts.path.strip('/'),)).fetchone())


def drop_database(uri):
    import psycopg
    from urllib.parse import urlsplit, urlunsplit
    parts = urlsplit(uri)
    server = urlunsplit(('postgresql', parts.netloc, '/postgres', '', ''))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(
            f'DROP DATABASE IF EXISTS "{parts.path.strip("/")}" '
            'WITH (FORCE)')


def setup(pool, name):
    """Create the company, OWNERS employees (the first is the rep, a user in
    group_customer only) and the industries; return (admin id, rep id,
    owner names)"""
    from decimal import Decimal

    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        User = pool.get('res.user')
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        Currency = pool.get('currency.currency')
        Employee = pool.get('company.employee')
        ModelData = pool.get('ir.model.data')
        Industry = pool.get('crm8.customer.industry')
        admin, = User.search([('login', '=', 'admin')])
        owner_names = [f'销售代表{i:02d}' for i in range(OWNERS)]
        reps = User.search([('login', '=', 'bench_rep')])
        if reps:
            return admin.id, reps[0].id, owner_names
        currencies = Currency.search([('code', '=', 'CNY')])
        if not currencies:
            currencies = Currency.create([{'name': '人民币', 'code': 'CNY',
                        'symbol': '¥', 'rounding': Decimal('0.01')}])
        company_party, = Party.create([{'name': '华信智能科技有限公司'}])
        company, = Company.create([{'party': company_party.id,
                    'currency': currencies[0].id}])
        parties = Party.create([{'name': n} for n in owner_names])
        employees = Employee.create([{'party': p.id, 'company': company.id}
                for p in parties])
        User.write([admin], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        group = ModelData.get_id('crm8_customer', 'group_customer')
        rep, = User.create([{
                    'login': 'bench_rep',
                    'name': owner_names[0],
                    'groups': [('add', [group])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [employees[0].id])],
                    'employee': employees[0].id,
                    }])
        Industry.create([{'name': n} for n in INDUSTRIES])
        transaction.commit()
        return admin.id, rep.id, owner_names


def context_of(pool, name, user_id):
    from trytond.transaction import Transaction
    User = pool.get('res.user')
    with Transaction().start(name, user_id, readonly=True):
        return User.get_preferences(context_only=True)


def bench_raw(pool, name, user_id, context, rows, customer):
    "Return rows/s of batched Party.create with one phone, rolled back"
    from trytond.tools import grouped_slice
    from trytond.transaction import Transaction
    Party = pool.get('party.party')
    context = dict(context, crm8_customer=customer)
    with Transaction().start(name, user_id, context=context) as transaction:
        start = time.perf_counter()
        for i, sub in enumerate(grouped_slice(rows, BATCH)):
            Party.create([{
                        'name': r['name'],
                        'contact_mechanisms': [('create', [{
                                        'type': 'phone',
                                        'value': r['e164'],
                                        }])],
                        } for r in sub])
            if not i % 10:
                log(f'  raw {"customers" if customer else "parties"}: '
                    f'{(i + 1) * BATCH}')
        elapsed = time.perf_counter() - start
        transaction.rollback()
    return len(rows) / elapsed, elapsed


def bench_import(pool, name, user_id, context, data, rows):
    from trytond.transaction import Transaction

    from crm8.crm8_customer.customer_import import CustomerImporter
    timings = {}
    with Transaction().start(name, user_id, context=context) as transaction:
        importer = CustomerImporter('code')
        start = time.perf_counter()
        importer.read(data)
        timings['read_s'] = time.perf_counter() - start
        mark = time.perf_counter()
        bad = importer.check()
        timings['check_s'] = time.perf_counter() - mark
        if bad:
            raise SystemExit(f'unexpected errors:\n{importer.report(10)}')
        mark = time.perf_counter()

        def progress(done, total):
            if not done % (10 * BATCH) or done == total:
                log(f'  import: {done}/{total}')
        created, updated = importer.write(progress=progress)
        timings['write_s'] = time.perf_counter() - mark
        timings['total_s'] = time.perf_counter() - start
        transaction.commit()
    assert created == rows, (created, updated)
    return timings


def bench_search(pool, name, user_id, context, repeat):
    "Return (p50 ms, p95 ms, mean rows) of search_read as an RPC would"
    from trytond.transaction import Transaction, check_access
    Party = pool.get('party.party')
    fields = ['rec_name', 'code', 'lifecycle_stage', 'owner', 'phone']
    times, counts = [], []
    with Transaction().start(name, user_id, context=context, readonly=True):
        with check_access():
            for i in range(repeat + len(QUERIES)):
                domain = [('rec_name', 'ilike', QUERIES[i % len(QUERIES)])]
                start = time.perf_counter()
                records = Party.search_read(domain, 0, 80, None, fields)
                elapsed = time.perf_counter() - start
                if i >= len(QUERIES):  # the first round warms the caches
                    times.append(elapsed * 1000)
                    counts.append(len(records))
    return (round(statistics.median(times), 1),
        round(percentile(times, 0.95), 1),
        round(statistics.mean(counts), 1))


def explain(pool, name, user_id, context, query):
    "Return the EXPLAIN ANALYZE of the search of the query"
    from trytond.transaction import Transaction, check_access
    Party = pool.get('party.party')
    with Transaction().start(name, user_id, context=context,
            readonly=True) as transaction:
        with check_access():
            sql = Party.search([('rec_name', 'ilike', query)], 0, 80,
                query=True)
            text, params = tuple(sql)
            cursor = transaction.connection.cursor()
            cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + text, params)
            return '\n'.join(r[0] for r in cursor)


SURNAMES = '张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
WORDS = ['科技', '商贸', '实业', '电子', '机械', '物流', '食品', '医疗',
    '软件', '建材', '化工', '服饰']


def grow(pool, name, total, owners):
    """Insert customers with one phone each by SQL until there are total.

    For the search benchmark at 1M parties: the ORM import of a million
    rows takes hours; the rows look like the imported ones (names from
    surnames and trade words, owners spread over the OWNERS reps, a phone).
    """
    from trytond.transaction import Transaction
    Employee = pool.get('company.employee')
    with Transaction().start(name, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT count(*) FROM party_party '
            'WHERE lifecycle_stage IS NOT NULL')
        have, = cursor.fetchone()
        missing = total - have
        if missing <= 0:
            return have
        employees = [e.id for e in Employee.search(
                [('party.name', 'in', owners)], order=[('id', 'ASC')])]
        log(f'  inserting {missing} customers by SQL …')
        for start in range(0, missing, 100_000):
            size = min(100_000, missing - start)
            cursor.execute("""
                WITH new AS (
                    INSERT INTO party_party (code, name, active,
                        lifecycle_stage, activity_state, qualification,
                        status, owner, sale_count, create_date, create_uid,
                        code_alnum)
                    SELECT 'G' || lpad((%(base)s + g)::text, 8, '0'),
                        substr(%(surnames)s, 1 + (g %% 20), 1)
                        || (%(words)s::text[])[1 + (g / 20) %% 12]
                        || '有限公司' || (%(base)s + g),
                        true, 'prospect', 'active', 'unqualified', 'normal',
                        (%(owners)s::int[])[1 + g %% %(n)s], 0,
                        now(), 0, 'G' || (%(base)s + g)
                    FROM generate_series(1, %(size)s) AS g
                    RETURNING id)
                INSERT INTO party_contact_mechanism (party, type, value,
                    value_compact, active, create_date, create_uid)
                SELECT id, 'phone', '+86 138 ' || lpad((id %% 100000000)
                        ::text, 8, '0'),
                    '+86138' || lpad((id %% 100000000)::text, 8, '0'),
                    true, now(), 0
                FROM new""", {
                    'base': have + start, 'size': size,
                    'surnames': SURNAMES, 'words': WORDS,
                    'owners': employees, 'n': len(employees),
                    })
            log(f'  {have + start + size}')
        cursor.execute('ANALYZE')
        transaction.commit()
        return total


def count_parties(pool, name):
    from trytond.transaction import Transaction
    with Transaction().start(name, 0, readonly=True):
        return pool.get('party.party').search_count(
            [('lifecycle_stage', '!=', None)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--database', default=DEFAULT_DATABASE)
    parser.add_argument('--fresh', action='store_true',
        help="drop the database first")
    parser.add_argument('--repeat', type=int, default=60,
        help="searches per user")
    parser.add_argument('--no-raw', action='store_true',
        help="skip the raw create baselines")
    parser.add_argument('--grow-to', type=int, default=0,
        help="then insert customers by SQL up to this many (for the "
        "search at 1M)")
    parser.add_argument('--search-only', action='store_true',
        help="skip the raw create and the import")
    parser.add_argument('--explain', action='store_true',
        help="print EXPLAIN ANALYZE of the searches on stderr")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from crm8 import cli
    if args.fresh:
        drop_database(args.database)
    if not database_exists(args.database):
        log('crm8 init …')
        start = time.perf_counter()
        subprocess.run([BIN / 'crm8', 'init', '--database', args.database],
            check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        log(f'  {time.perf_counter() - start:.0f} s')
    config, name, _ = cli.write_config(args.database)
    import trytond.config as tconfig
    tconfig.update_etc(str(config))
    from trytond.pool import Pool
    Pool.start()
    pool = Pool(name)
    pool.init()

    admin_id, rep_id, owner_names = setup(pool, name)
    admin_context = context_of(pool, name, admin_id)
    rep_context = context_of(pool, name, rep_id)
    result = {'database': args.database}
    if not args.search_only:
        result.update(bench_write(pool, name, admin_id, admin_context,
                owner_names, args))
    if args.grow_to:
        grow(pool, name, args.grow_to, owner_names)
    search(pool, name, admin_id, admin_context, rep_id, rep_context, args,
        result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


def bench_write(pool, name, admin_id, admin_context, owner_names, args):
    before = count_parties(pool, name)
    log(f'generating {args.rows} rows …')
    rows = generate(args.rows, owner_names, seed=before + 1)
    if before:
        # a second run adds new customers
        for row in rows:
            row['code'] = f'B{before:07d}-{row["code"]}'
    data = workbook(rows)
    result = {
        'rows': args.rows,
        'batch': BATCH,
        }
    if not args.no_raw:
        log('raw Party.create, plain parties …')
        rate, elapsed = bench_raw(
            pool, name, admin_id, admin_context, rows, False)
        result['raw_create_rows_per_s'] = round(rate, 1)
        log('raw Party.create, customers …')
        rate, elapsed = bench_raw(
            pool, name, admin_id, admin_context, rows, True)
        result['raw_create_customers_rows_per_s'] = round(rate, 1)
    log('import …')
    timings = bench_import(
        pool, name, admin_id, admin_context, data, args.rows)
    result['import'] = {k: round(v, 2) for k, v in timings.items()}
    result['import_rows_per_s'] = round(args.rows / timings['total_s'], 1)
    if not args.no_raw:
        result['import_vs_raw'] = round(
            result['import_rows_per_s'] / result['raw_create_rows_per_s'], 2)
        result['import_vs_raw_customers'] = round(
            result['import_rows_per_s']
            / result['raw_create_customers_rows_per_s'], 2)
    return result


def search(pool, name, admin_id, admin_context, rep_id, rep_context, args,
        result):
    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        transaction.connection.cursor().execute('ANALYZE')
    result['customers'] = count_parties(pool, name)
    log('search …')
    for label, user_id, context in [
            ('admin', admin_id, admin_context),
            ('rep', rep_id, rep_context)]:
        p50, p95, found = bench_search(
            pool, name, user_id, context, args.repeat)
        result[f'search_{label}'] = {
            'p50_ms': p50, 'p95_ms': p95, 'rows_found': found}
        if args.explain:
            log(f'--- EXPLAIN ANALYZE as {label}, {QUERIES[0]}')
            log(explain(pool, name, user_id, context, QUERIES[0]))
    result['search_rep_vs_admin_p95'] = round(
        result['search_rep']['p95_ms'] / result['search_admin']['p95_ms'], 2)
    result['targets'] = {
        'import_vs_raw': '>= 0.8',
        'rep_search_p95_ms_at_1M': '<= 150',
        'rep_vs_admin_p95': '<= 1.3',
        }


if __name__ == '__main__':
    main()
