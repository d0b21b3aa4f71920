# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Membership benchmark: a POS sale of a member at scale (MEM-7).

  python bench/membership.py [--members 100000] [--lines 1000000]
      [--sales 200] [--database URI] [--fresh] [--explain]
      [--profile FILE]

1. setup: company, chart, fiscal year, a till with a cash method, a
   product, a programme with an earn rule (through the ORM, once);
2. data: MEMBERS members with one card each and LINES points ledger lines
   spread over them and over two years, inserted by SQL (the data is not
   what is measured), then ANALYZE;
3. sales: SALES times, as the till makes them, each request in its own
   transaction run like the RPC dispatcher (a lock not declared at the
   start restarts the request with it): scan the card and the item; pay in
   cash through the pay wizard as the web client runs it (open: session and
   form; OK: done, numbered, points earned under the member lock; close);
   the first 10 are not counted. p50 and p95 in ms of the
   whole sale and of each request; of what crm8 adds (card lookup, points
   booked); of the attempts lost to restarts; the restarts per sale by the
   tables locked;
4. posting: the back office posts the sales of the run in batches of
   POST_BATCH (account moves; no points move), one request each: ms per
   batch and per sale.

Prints JSON on stdout; progress on stderr.  See bench/README.md.
"""
import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the JSON-RPC client and the free port of the tests, for --http
sys.path.insert(0, str(ROOT / 'tests'))
from conftest import RPC, free_port  # noqa: E402
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = (
    'postgresql://postgres@127.0.0.1:5432/crm8_bench_membership')
WARMUP = 10
# the parts of a sale reported, in ms: the whole sale at the till, the scan
# request, the pay wizard (pay) and its three requests (open, OK, close);
# what crm8 adds: card lookup and points booked (member = lookup +
# points); the attempts lost to restarts (all in OK); the rest (upstream =
# sale - member - restart)
PARTS = ['sale', 'scan', 'pay', 'pay_open', 'pay_ok', 'pay_close',
    'member', 'lookup', 'points', 'restart', 'upstream']


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def percentile(values, share):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(share * len(values)) - 1))
    return values[index]


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


def setup(name):
    "Create what a till needs, once; return a dict of ids"
    from proteus import Model
    from proteus import config as pconfig
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.company.tests.tools import (
        create_company, get_company)

    config = pconfig.set_trytond(name)
    # the test tools find records by their English names; admin is zh_CN
    config.set_context(language='en')
    Programme = Model.get('crm8.member.programme')
    programmes = Programme.find([('name', '=', 'bench')])
    if not programmes:
        log('setup: company, chart, till, programme …')
        if not Model.get('company.company').find([]):
            create_company(config=config)
            # create_company resets the context to admin's preferences
            config.set_context(language='en')
        if not Model.get('account.account').find([]):
            create_chart(config=config)
        company = get_company()
        fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear())
        fiscalyear.click('create_period')
        accounts = get_accounts()
        SequenceType = Model.get('ir.sequence.type')
        Journal = Model.get('account.journal')
        Location = Model.get('stock.location')
        POS = Model.get('sale.point')
        SequenceStrict = Model.get('ir.sequence.strict')
        pos = POS(name="bench")
        pos.journal, = Journal.find([('type', '=', 'revenue')], limit=1)
        pos.sequence = SequenceStrict(name="POS", company=pos.company)
        pos.sequence.sequence_type, = SequenceType.find(
            [('name', '=', "POS")], limit=1)
        pos.sequence.save()
        pos.storage_location, = Location.find([('code', '=', 'STO')])
        pos.customer_location, = Location.find([('code', '=', 'CUS')])
        pos.save()
        Model.get('sale.point.payment.method')(
            name="bench", account=accounts['cash'], cash=True).save()
        category = Model.get('product.category')(
            name="bench", accounting=True,
            account_revenue=accounts['revenue'])
        category.save()
        unit, = Model.get('product.uom').find([('name', '=', 'Unit')])
        Model.get('product.template')(
            name="bench", default_uom=unit, type='service', salable=True,
            account_category=category, list_price=Decimal(88),
            gross_price=Decimal(88)).save()
        member_seq_type, = SequenceType.find(
            [('name', '=', 'Member Number')])
        sequence = Model.get('ir.sequence')(
            name="bench", sequence_type=member_seq_type)
        sequence.save()
        programme = Programme(name="bench", number_sequence=sequence,
            company=company, points_validity=12)
        programme.member_types.new(name="普卡", sequence=10,
            tier_threshold=Decimal(0))
        programme.member_types.new(name="银卡", sequence=20,
            tier_threshold=Decimal(5000))
        programme.save()
        Model.get('crm8.member.earn.rule')(
            programme=programme, name="每元一分").save()
        programmes = [programme]
    programme, = programmes
    return {
        'company': programme.company.id,
        'programme': programme.id,
        'type': programme.member_types[0].id,
        'point': Model.get('sale.point').find([('name', '=', 'bench')])[0].id,
        'cash': Model.get('sale.point.payment.method').find(
            [('name', '=', 'bench')])[0].id,
        'product': Model.get('product.product').find(
            [('template.name', '=', 'bench')])[0].id,
        }


def generate(name, ids, members, lines):
    "Insert members, cards and ledger lines by SQL up to the counts"
    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT COUNT(*) FROM crm8_member WHERE programme = %s',
            (ids['programme'],))
        have, = cursor.fetchone()
        if have < members:
            log(f'inserting {members - have} members and cards …')
            start = time.perf_counter()
            cursor.execute("""
                INSERT INTO party_party (code, code_alnum, name, active,
                    activity_state, qualification, status, create_uid,
                    create_date)
                SELECT 'BM' || LPAD(i::text, 7, '0'),
                    'BM' || LPAD(i::text, 7, '0'), '会员' || i, true,
                    'active', 'unqualified', 'normal', 0, NOW()
                FROM generate_series(%s, %s) AS i""", (have + 1, members))
            cursor.execute("""
                INSERT INTO crm8_member (programme, number, party, type,
                    join_date, state, create_uid, create_date)
                SELECT %s, 'BM' || LPAD(i::text, 7, '0'), p.id, %s,
                    CURRENT_DATE - (i %% 700), 'active', 0, NOW()
                FROM generate_series(%s, %s) AS i
                JOIN party_party AS p ON p.code = 'BM' || LPAD(i::text, 7, '0')
                """, (ids['programme'], ids['type'], have + 1, members))
            cursor.execute("""
                INSERT INTO crm8_member_card (member, number, issue_date,
                    state, create_uid, create_date)
                SELECT m.id, 'BC' || SUBSTRING(m.number FROM 3),
                    m.join_date, 'active', 0, NOW()
                FROM crm8_member AS m
                WHERE m.programme = %s AND m.number LIKE 'BM%%'
                    AND NOT EXISTS (SELECT 1 FROM crm8_member_card AS c
                        WHERE c.member = m.id)""", (ids['programme'],))
            log(f'  {time.perf_counter() - start:.0f} s')
        cursor.execute('SELECT COUNT(*) FROM crm8_member_points_line')
        have_lines, = cursor.fetchone()
        if have_lines < lines:
            log(f'inserting {lines - have_lines} ledger lines …')
            start = time.perf_counter()
            # 3 earnings for 1 redemption, over the last two years; the
            # redemption is small so no balance goes below zero
            cursor.execute("""
                INSERT INTO crm8_member_points_line (member, date, kind,
                    points, expiry_date, description, occurrence,
                    create_uid, create_date)
                SELECT m.id, d.date,
                    CASE WHEN i %% 4 = 3 THEN 'redeem' ELSE 'earn' END,
                    CASE WHEN i %% 4 = 3 THEN -10 ELSE 20 + i %% 200 END,
                    CASE WHEN i %% 4 = 3 THEN NULL
                        ELSE d.date + INTERVAL '12 months' END,
                    'bench', 0, 0, NOW()
                FROM generate_series(%s, %s) AS i
                CROSS JOIN LATERAL (SELECT CURRENT_DATE
                    - (i::bigint * 7919 %% 730)::integer AS date) AS d
                JOIN crm8_member AS m ON m.programme = %s
                    AND m.number = 'BM' || LPAD(
                        (1 + i::bigint * 104729 %% %s)::text, 7, '0')
                """, (have_lines + 1, lines, ids['programme'], members))
            log(f'  {time.perf_counter() - start:.0f} s')
        transaction.commit()
    with Transaction().start(name, 0, autocommit=True) as transaction:
        cursor = transaction.connection.cursor()
        for table in ['party_party', 'crm8_member', 'crm8_member_card',
                'crm8_member_points_line', 'sale_point_sale']:
            cursor.execute(f'ANALYZE {table}')


# per sale: milliseconds by part and restarts by locked table
TIMES = defaultdict(float)
RESTARTS = Counter()


def timed(cls, name, key):
    "Add the duration of the classmethod cls.name to TIMES[key]"
    func = getattr(cls, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            TIMES[key] += (time.perf_counter() - start) * 1000
    setattr(cls, name, staticmethod(wrapper))


def instrument(pool):
    """Time what crm8 adds to a sale: the card lookup and the points booked
    (earned, redeemed, reversed, under the member lock)"""
    timed(pool.get('crm8.member'), 'find', 'lookup')
    Sale = pool.get('sale.point.sale')
    for name in ['earn_points', 'redeem_points', 'return_points']:
        timed(Sale, name, 'points')


def request(name, user_id, context, func):
    "Run func in a transaction as the RPC dispatcher does; return result"
    from trytond import backend
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    for _ in range(20):
        start = time.perf_counter()
        before = dict(TIMES)
        with Transaction().start(
                name, user_id, context=context, **extras) as transaction:
            try:
                return func()
            except (TransactionError,
                    backend.DatabaseOperationalError) as e:
                transaction.rollback()
                # the work of the attempt is lost: count it as restart
                TIMES.clear()
                TIMES.update(before)
                lost = (time.perf_counter() - start) * 1000
                TIMES['restart'] += lost
                if isinstance(e, TransactionError):
                    # locks to take at the start of the transaction
                    locks = {}
                    e.fix(locks)
                    e.fix(extras)
                    RESTARTS[' + '.join(sorted(
                                [*locks.get('_lock_records', {}),
                                    *locks.get('_lock_tables', [])]))] += 1
                else:
                    RESTARTS['retry'] += 1
    raise RuntimeError("too many restarts")


def sell(name, ids, card, user_id, context):
    """One till sale: scan the card and the item, pay through the wizard;
    return the sale id and the durations in ms by part"""
    from trytond.pool import Pool

    def scan():
        pool = Pool()
        Member = pool.get('crm8.member')
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')
        # no card: the same sale without member, the upstream baseline
        member = Member.find(card) if card else None
        assert member or not card, card
        # the till sends the prices it shows
        sale = Sale(point=ids['point'], member=member, lines=[
                Line(product=ids['product'], quantity=1,
                    unit_list_price=Decimal(88),
                    unit_gross_price=Decimal(88))])
        sale.save()
        return sale.id

    # the pay wizard as the web client runs it, one request each: open it
    # (its session and the payment form with the amount to pay), OK (the
    # payment that completes the sale: done, numbered, points), close it
    wizard_context = dict(context, active_model='sale.point.sale')

    def pay_open():
        Pay = Pool().get('sale.point.sale.pay', type='wizard')
        session_id, _, _ = Pay.create()
        form = Pay.execute(session_id, {}, 'payment')
        return session_id, form['view']['defaults']

    def pay():
        Pay = Pool().get('sale.point.sale.pay', type='wizard')
        Pay.execute(session_id, {'payment': {
                    'method': ids['cash'],
                    'amount': defaults['amount'],
                    }}, 'pay')

    def pay_close():
        Pay = Pool().get('sale.point.sale.pay', type='wizard')
        Pay.delete(session_id)

    TIMES.clear()
    start = time.perf_counter()
    sale_id = request(name, user_id, context, scan)
    scanned = time.perf_counter()
    wizard_context.update(active_id=sale_id, active_ids=[sale_id])
    session_id, defaults = request(name, user_id, wizard_context, pay_open)
    opened = time.perf_counter()
    request(name, user_id, wizard_context, pay)
    paid = time.perf_counter()
    request(name, user_id, wizard_context, pay_close)
    end = time.perf_counter()
    times = dict(TIMES)
    times['scan'] = (scanned - start) * 1000
    times['pay'] = (end - scanned) * 1000
    times['pay_open'] = (opened - scanned) * 1000
    times['pay_ok'] = (paid - opened) * 1000
    times['pay_close'] = (end - paid) * 1000
    times['sale'] = (end - start) * 1000
    times['member'] = times.get('lookup', 0) + times.get('points', 0)
    # the rest is the upstream sale: sale_point, the ORM's reads and
    # validation, the commits
    times['upstream'] = (
        times['sale'] - times['member'] - times.get('restart', 0))
    return sale_id, times


def post(name, user_id, context, sale_ids, batch):
    "Post the sales in batches as the back office does; ms per batch"
    from trytond.pool import Pool
    durations = []
    for i in range(0, len(sale_ids), batch):
        ids = sale_ids[i:i + batch]

        def post():
            Sale = Pool().get('sale.point.sale')
            Sale.post(Sale.browse(ids))
        start = time.perf_counter()
        request(name, user_id, context, post)
        durations.append(((time.perf_counter() - start) * 1000, len(ids)))
    return durations


def serve(database):
    "Start crm8 serve on a free port; return the process and its URL"
    import urllib.request
    port = free_port()
    server = subprocess.Popen(
        [BIN / 'crm8', 'serve', '--database', database, '--port', str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    return server, url


def http_sell(rpc, ids, card):
    """One sale as a till system integrated over JSON-RPC makes it (INT-2):
    find the member by card, create the sale with its line and its cash
    payment, process it (done, numbered, points); ms of the lookup and of
    the whole sale"""
    decimal = {'__class__': 'Decimal', 'decimal': '88'}
    start = time.perf_counter()
    member = None
    if card:
        member, = rpc.call('model.crm8.member.search',
            [('rec_name', '=', card)], 0, None, None, rpc.context)
    found = time.perf_counter()
    sale_id, = rpc.call('model.sale.point.sale.create', [{
                'point': ids['point'],
                'member': member,
                'lines': [['create', [{
                                'product': ids['product'], 'quantity': 1,
                                'unit_list_price': decimal,
                                'unit_gross_price': decimal}]]],
                'payments': [['create', [{
                                'method': ids['cash'], 'amount': decimal}]]],
                }], rpc.context)
    rpc.call('model.sale.point.sale.process', [sale_id], rpc.context)
    end = time.perf_counter()
    return sale_id, (found - start) * 1000, (end - start) * 1000


def http_bench(database, ids, cards, baseline):
    """The sales through trytond's own HTTP server, each with the same sale
    without member in turn; return the results and the sale ids"""
    server, url = serve(database)
    try:
        rpc = RPC(url, database.rsplit('/', 1)[-1])
        rpc.login('admin', 'admin')
        rpc.context = rpc.call('model.res.user.get_preferences', True, {})
        samples = defaultdict(list)
        sale_ids = []
        for i, card in enumerate(cards):
            sale_id, lookup, sale = http_sell(rpc, ids, card)
            sale_ids.append(sale_id)
            if i >= WARMUP:
                samples['http_lookup'].append(lookup)
                samples['http_sale'].append(sale)
            if baseline:
                sale_id, _, sale = http_sell(rpc, ids, None)
                sale_ids.append(sale_id)
                if i >= WARMUP:
                    samples['http_baseline_sale'].append(sale)
    finally:
        server.terminate()
        server.wait(10)
    result = {}
    for key, values in samples.items():
        result[f'{key}_p50_ms'] = round(percentile(values, 0.5), 1)
        result[f'{key}_p95_ms'] = round(percentile(values, 0.95), 1)
    return result, sale_ids


def explain(name, card):
    "Print the plans of the statements of a sale on stderr"
    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        cursor = transaction.connection.cursor()
        for query, params in [
                ("SELECT id, member FROM crm8_member_card "
                    "WHERE number = %s AND state = 'active'", (card,)),
                ("SELECT SUM(points) FROM crm8_member_points_line "
                    "WHERE member IN (SELECT member FROM crm8_member_card "
                    "WHERE number = %s)", (card,)),
                ("SELECT id, origin, kind FROM crm8_member_points_line "
                    "WHERE origin = ANY(%s)",
                    (['sale.point.sale,1'],)),
                ]:
            cursor.execute('EXPLAIN (ANALYZE, BUFFERS) ' + query, params)
            log('\n'.join(r for r, in cursor))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--members', type=int, default=100_000)
    parser.add_argument('--lines', type=int, default=1_000_000)
    parser.add_argument('--sales', type=int, default=200)
    parser.add_argument('--no-baseline', dest='baseline',
        action='store_false',
        help="do not sell the same sale without member in turn")
    parser.add_argument('--post-batch', type=int, default=50,
        help="sales posted per request by the back office")
    parser.add_argument('--database', default=DEFAULT_DATABASE)
    parser.add_argument('--fresh', action='store_true',
        help="drop the database first")
    parser.add_argument('--explain', action='store_true',
        help="print EXPLAIN ANALYZE of the main statements on stderr")
    parser.add_argument('--profile', metavar='FILE',
        help="profile the counted sales with cProfile into FILE and print "
        "the top functions on stderr")
    parser.add_argument('--http', action='store_true',
        help="also sell through trytond's HTTP server as a till system "
        "integrated over JSON-RPC does: lookup, create, process")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from crm8 import cli
    if args.fresh:
        drop_database(args.database)
    if not database_exists(args.database):
        log('crm8 init …')
        start = time.perf_counter()
        # en too: the bench uses the universal chart of account_chart_en
        subprocess.run([BIN / 'crm8', 'init', '--database', args.database,
                '--lang', 'zh_CN', 'en'],
            check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        log(f'  {time.perf_counter() - start:.0f} s')
    config, name, _ = cli.write_config(args.database)
    import trytond.config as tconfig
    tconfig.update_etc(str(config))
    from trytond.pool import Pool
    Pool.start()
    Pool(name).init()

    ids = setup(name)
    # the test tools imported by setup put the pool in test mode, which
    # validates Function fields on every save: a server never does
    Pool.test = False
    generate(name, ids, args.members, args.lines)
    from trytond.transaction import Transaction
    with Transaction().start(name, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT COUNT(*) FROM crm8_member')
        n_members, = cursor.fetchone()
        cursor.execute('SELECT COUNT(*) FROM crm8_member_points_line')
        n_lines, = cursor.fetchone()
        User = Pool().get('res.user')
        admin, = User.search([('login', '=', 'admin')])
    context = {'company': ids['company']}

    rng = random.Random(1)
    cards = ['BC' + str(rng.randint(1, args.members)).zfill(7)
        for _ in range(args.sales + WARMUP)]
    if args.explain:
        explain(name, cards[0])
    instrument(Pool(name))
    log(f'{args.sales} sales …')
    profile = None
    if args.profile:
        import cProfile
        profile = cProfile.Profile()
    samples = defaultdict(list)
    baseline = defaultdict(list)
    sale_ids = []
    restarts = Counter()
    for i, card in enumerate(cards):
        if i == WARMUP and profile:
            profile.enable()
        RESTARTS.clear()
        sale_id, times = sell(name, ids, card, admin.id, context)
        sale_ids.append(sale_id)
        if i >= WARMUP:
            restarts.update(RESTARTS)
            for key in PARTS:
                samples[key].append(times.get(key, 0))
        if args.baseline:
            # the same sale without member, in turn, so both see the same
            # load: what upstream Tryton takes alone
            sale_id, times = sell(name, ids, None, admin.id, context)
            sale_ids.append(sale_id)
            if i >= WARMUP:
                for key in ['sale', 'scan', 'pay_ok']:
                    baseline[key].append(times[key])
    counted = len(samples['sale'])
    http = {}
    if args.http:
        log(f'{args.sales} sales over HTTP …')
        http, http_ids = http_bench(
            args.database, ids, cards, args.baseline)
        sale_ids += http_ids
    log(f'posting {len(sale_ids)} sales by {args.post_batch} …')
    batches = post(name, admin.id, context, sale_ids, args.post_batch)
    if profile:
        import pstats
        profile.disable()
        profile.dump_stats(args.profile)
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats('cumulative').print_stats(40)
    result = {
        'database': args.database,
        'members': n_members,
        'points_lines': n_lines,
        'sales': counted,
        }
    for key in PARTS:
        result[f'{key}_p50_ms'] = round(percentile(samples[key], 0.5), 1)
        result[f'{key}_p95_ms'] = round(percentile(samples[key], 0.95), 1)
    for key, values in baseline.items():
        result[f'baseline_{key}_p50_ms'] = round(percentile(values, 0.5), 1)
        result[f'baseline_{key}_p95_ms'] = round(
            percentile(values, 0.95), 1)
    result.update(http)
    result['restarts_per_sale'] = round(sum(restarts.values()) / counted, 2)
    result['restarts_by_lock'] = {
        k: round(v / counted, 2) for k, v in sorted(restarts.items())}
    result['post_batch'] = args.post_batch
    result['post_batch_p50_ms'] = round(
        percentile([d for d, _ in batches], 0.5), 1)
    result['post_per_sale_ms'] = round(
        sum(d for d, _ in batches) / sum(n for _, n in batches), 1)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == '__main__':
    main()
