# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Points ledger under parallel tills on PostgreSQL (MEM-7)

Each till is a forked process with its own connection and transactions,
run like the RPC dispatcher runs a request: a lock missing at the start
restarts the transaction with the lock taken, a serialisation failure is
retried.

Reward redemptions and coupon numbers paying at the till are tested the
same way: one of several parallel takers wins.
"""
import multiprocessing
import random
import time
import unittest
from decimal import Decimal

from trytond import backend
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.transaction import Transaction, TransactionError

from ..locking import lock_all

PROCESSES = 8
TILLS = 4
OPERATIONS = 250


def run(func, *args, context=None):
    "Run func in a new transaction like a request; return its result"
    extras = {}
    for attempt in range(200):
        try:
            with Transaction().start(
                    DB_NAME, 1, context=context, **extras) as transaction:
                try:
                    return func(*args)
                except TransactionError as e:
                    transaction.rollback()
                    e.fix(extras)
                    continue
                except backend.DatabaseOperationalError:
                    transaction.rollback()
        except backend.DatabaseOperationalError:
            # the lock taken at the start is held by another till
            pass
        time.sleep(random.uniform(0.005, 0.03))
    raise RuntimeError("too many retries")


def outcome(func, *args, context=None):
    try:
        return ('ok', run(func, *args, context=context))
    except UserError as e:
        return (type(e).__name__, e.message)


def book(member_id, kind, points):
    Line = Pool().get('crm8.member.points.line')
    line, = Line.book([Line(member=member_id, kind=kind, points=points)])
    return line.id


def book_or_refuse(member_id, kind, points):
    "Book, or return the name of the error that refused it"
    try:
        return book(member_id, kind, points)
    except UserError as e:
        return type(e).__name__


def post_sale(sale_id):
    Sale = Pool().get('sale.point.sale')
    Sale.post([Sale(sale_id)])


def process_sale(sale_id):
    "Complete the paid sale, as the till does: the points move"
    Sale = Pool().get('sale.point.sale')
    Sale.process([Sale(sale_id)])


def _redeem_worker(barrier, queue, member_id, context):
    barrier.wait()
    queue.put(outcome(book, member_id, 'redeem', -80, context=context))


def _till_worker(queue, seed, member_ids, context):
    rng = random.Random(seed)
    results = []
    for _ in range(OPERATIONS):
        member_id = rng.choice(member_ids)
        if rng.random() < 0.5:
            kind, points = 'earn', rng.randint(1, 50)
        else:
            kind, points = 'redeem', -rng.randint(1, 60)
        status, _ = outcome(book, member_id, kind, points, context=context)
        results.append((member_id, kind, points, status))
    queue.put(results)


def _process_worker(barrier, queue, sale_id, context):
    barrier.wait()
    queue.put(outcome(process_sale, sale_id, context=context))


def redeem(member_id, reward_id):
    Redemption = Pool().get('crm8.member.redemption')
    return Redemption.redeem_reward(member_id, reward_id).id


def _reward_worker(barrier, queue, member_id, reward_id, context):
    barrier.wait()
    queue.put(outcome(redeem, member_id, reward_id, context=context))


def pay_code(sale_id, method_id, field, code):
    """Pay 50 of the sale with the code typed in field (coupon_code or
    discount_code); return what is left

    The use is taken when the payment is saved; completing the sale would
    take the member and sale number locks, which serialise the tills anyway
    and so would hide a missing lock on the code.
    """
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Payment = pool.get('sale.point.payment')
    Payment(sale=sale_id, method=method_id, amount=Decimal(50),
        **{field: code}).save()
    return Sale(sale_id).amount_to_pay


def _code_worker(barrier, queue, sale_id, method_id, field, code, context):
    barrier.wait()
    queue.put(outcome(
            pay_code, sale_id, method_id, field, code, context=context))


def _lock_noting_deadlock(deadlocked, *locks):
    "lock_all, setting the event deadlocked when it meets a deadlock"
    try:
        lock_all(*locks)
    except (TransactionError, backend.DatabaseOperationalError) as e:
        if '40P01' in {getattr(e, 'sqlstate', None),
                getattr(e.__context__, 'sqlstate', None)}:
            deadlocked.set()
        raise


def _refused_worker(queue, events, first_id, second_id, context):
    """Lock the first member, then the second, which another till books on
    meanwhile: refused, the request restarts"""
    first_locked, booked, deadlocked = events

    def work():
        Member = Pool().get('crm8.member')
        first, second = Member(first_id), Member(second_id)
        # the snapshot
        second.points_balance
        _lock_noting_deadlock(deadlocked, (Member, [first]))
        if not first_locked.is_set():
            first_locked.set()
            booked.wait(10)
            # the orderly till waits for the first member now
            time.sleep(0.3)
        _lock_noting_deadlock(deadlocked, (Member, [second]))
    queue.put(outcome(work, context=context))


def _booking_worker(queue, events, member_id, context):
    first_locked, booked, _ = events
    first_locked.wait(10)
    queue.put(outcome(book, member_id, 'adjust', 10, context=context))
    booked.set()


def _orderly_worker(queue, events, first_id, second_id, context):
    """Lock the first member then the second, as every till does, from a
    snapshot that sees the booking"""
    _, booked, deadlocked = events

    def work():
        Member = Pool().get('crm8.member')
        _lock_noting_deadlock(deadlocked, (Member, [Member(first_id)]))
        # the refused till restarts meanwhile
        time.sleep(0.3)
        _lock_noting_deadlock(deadlocked, (Member, [Member(second_id)]))
    booked.wait(10)
    queue.put(outcome(work, context=context))


def hand_over(redemption_id):
    Redemption = Pool().get('crm8.member.redemption')
    Redemption.hand_over([Redemption(redemption_id)])


def _hand_over_worker(barrier, queue, redemption_id, context):
    barrier.wait()
    queue.put(outcome(hand_over, redemption_id, context=context))


@unittest.skipUnless(backend.name == 'postgresql',
    "parallel tills need PostgreSQL row locks; SQLite locks the whole file")
class PointsConcurrencyTestCase(unittest.TestCase):
    "Test the points ledger with parallel tills"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['crm8_membership'])
        cls.ids = setup_data()
        # the forked tills must not share the connections of this process
        backend.Database(DB_NAME).close()
        cls.mp = multiprocessing.get_context('fork')

    def start(self, target, *args):
        processes = [self.mp.Process(target=target, args=a) for a in args]
        for process in processes:
            process.start()
        return processes

    def collect(self, queue, processes):
        results = [queue.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=60)
            self.assertEqual(process.exitcode, 0)
        return results

    def race(self, target, args):
        """Run target once per item of args, all released together by a
        barrier; return what each put on the queue"""
        queue = self.mp.Queue()
        barrier = self.mp.Barrier(len(args))
        processes = self.start(
            target, *[(barrier, queue, *a) for a in args])
        return self.collect(queue, processes)

    def balance(self, member_id):
        def read():
            pool = Pool()
            Member = pool.get('crm8.member')
            Line = pool.get('crm8.member.points.line')
            lines = Line.search([('member', '=', member_id)],
                order=[('id', 'ASC')])
            running, lowest = 0, 0
            for line in lines:
                running += line.points
                lowest = min(lowest, running)
            return Member(member_id).points_balance, running, lowest
        return run(read, context=self.ids['context'])

    def test_one_redemption_wins(self):
        "Parallel redemptions against a balance that covers one"
        context = self.ids['context']
        member_id = run(new_member, "周敏", context=context)
        run(book, member_id, 'adjust', 100, context=context)
        results = self.race(_redeem_worker, [
                (member_id, context) for _ in range(PROCESSES)])

        self.assertEqual(
            sorted(s for s, _ in results),
            ['PointsError'] * (PROCESSES - 1) + ['ok'])
        for status, message in results:
            if status != 'ok':
                self.assertIn("not enough to take 80 points", message)
        self.assertEqual(self.balance(member_id), (20, 20, 0))

    def test_lock_in_the_middle(self):
        "A lock taken mid-transaction holds the row and needs no restart"
        context = self.ids['context']
        member_id = run(new_member, "孙丽", context=context)
        with Transaction().start(DB_NAME, 1, context=context):
            Member = Pool().get('crm8.member')
            member = Member(member_id)
            self.assertEqual(member.points_balance, 0)
            lock_all((Member, [member]))
            # upstream's own lock of the row now passes
            Member.lock([member])
            # another till asking for the row at its start is refused
            with self.assertRaises(backend.DatabaseOperationalError):
                with Transaction().new_transaction(
                        _lock_records={Member._table: [member_id]}):
                    pass
            book(member_id, 'adjust', 30)
        self.assertEqual(self.balance(member_id), (30, 30, 0))

    def test_lock_after_a_booking_since_the_snapshot(self):
        "A lock of a row booked on since the snapshot restarts the request"
        context = self.ids['context']
        member_id = run(new_member, "钱伟", context=context)
        run(book, member_id, 'adjust', 50, context=context)
        with Transaction().start(
                DB_NAME, 1, context=context) as transaction:
            Member = Pool().get('crm8.member')
            # the snapshot sees 50 points
            self.assertEqual(Member(member_id).points_balance, 50)
            # another till spends them and commits
            with Transaction().new_transaction():
                book(member_id, 'redeem', -50)
            # spending them again on the old snapshot is refused: the
            # request restarts with the lock taken at its start
            with self.assertRaises(TransactionError) as cm:
                lock_all((Member, [Member(member_id)]))
            extras = {}
            cm.exception.fix(extras)
            self.assertEqual(
                extras['_lock_records'], {Member._table: [member_id]})
            transaction.rollback()
        self.assertEqual(
            run(book_or_refuse, member_id, 'redeem', -50, context=context),
            "PointsError")
        self.assertEqual(self.balance(member_id), (0, 0, 0))

    def test_lock_timeout_ends_the_request(self):
        "A lock that waits past the request's timeout ends it, no restart"
        context = self.ids['context']
        member_id = run(new_member, "林芳", context=context)
        with Transaction().start(DB_NAME, 1, context=context):
            Member = Pool().get('crm8.member')
            # a till holds the member
            lock_all((Member, [Member(member_id)]))
            # another one, whose request may last 1 s, waits for it: the
            # dispatcher must answer with a timeout, not restart it
            with self.assertRaises(backend.DatabaseTimeoutError):
                with Transaction().new_transaction(timeout=1):
                    lock_all((Member, [Member(member_id)]))

    def test_restart_takes_all_the_locks(self):
        "A restart takes at its start the locks taken before the refused one"
        context = self.ids['context']
        member_ids = [run(new_member, n, context=context)
            for n in ["唐亮", "韩雪"]]
        with Transaction().start(
                DB_NAME, 1, context=context) as transaction:
            Member = Pool().get('crm8.member')
            first, second = Member.browse(member_ids)
            # the snapshot
            self.assertEqual(second.points_balance, 0)
            lock_all((Member, [first]))
            # another till books on the second member and commits
            with Transaction().new_transaction():
                book(second.id, 'adjust', 10)
            with self.assertRaises(TransactionError) as cm:
                lock_all((Member, [second]))
            extras = {}
            cm.exception.fix(extras)
            # restarted with the second only, the request would wait for
            # the first while holding the second: the reverse of the order
            # of a till taking the first then the second (a deadlock)
            self.assertEqual(
                sorted(extras['_lock_records'][Member._table]), member_ids)
            transaction.rollback()

    def test_restart_does_not_deadlock(self):
        """A request restarted after a refused lock and a till waiting for
        the lock it took before: no deadlock"""
        context = self.ids['context']
        first_id, second_id = [run(new_member, n, context=context)
            for n in ["蒋文", "沈玉"]]
        queue = self.mp.Queue()
        events = [self.mp.Event() for _ in range(3)]
        processes = self.start(_refused_worker,
            (queue, events, first_id, second_id, context))
        processes += self.start(_booking_worker,
            (queue, events, second_id, context))
        processes += self.start(_orderly_worker,
            (queue, events, first_id, second_id, context))
        results = self.collect(queue, processes)
        self.assertEqual([s for s, _ in results], ['ok'] * 3)
        deadlocked = events[2]
        self.assertFalse(deadlocked.is_set())

    def test_parallel_tills(self):
        "1,000 mixed earn and redeem operations from parallel tills"
        context = self.ids['context']
        member_ids = [run(new_member, n, context=context)
            for n in ["吴刚", "郑洁", "冯涛"]]
        queue = self.mp.Queue()
        processes = self.start(_till_worker, *[
                (queue, seed, member_ids, context) for seed in range(TILLS)])
        results = sum(self.collect(queue, processes), [])

        self.assertEqual(len(results), TILLS * OPERATIONS)
        self.assertEqual(
            {s for *_, s in results} - {'ok', 'PointsError'}, set())
        # some redemptions must have met an empty balance, or the test
        # proves nothing about the check
        self.assertTrue(any(s == 'PointsError' for *_, s in results))
        for member_id in member_ids:
            expected = sum(p for m, _, p, s in results
                if m == member_id and s == 'ok')
            balance, ledger, lowest = self.balance(member_id)
            self.assertEqual(balance, expected)
            self.assertEqual(ledger, expected)
            # in booking order the balance never went below zero
            self.assertEqual(lowest, 0)

    def test_pos_replay_and_refund(self):
        "A sale completed by parallel replays earns once; so does its refund"
        context = self.ids['context']
        member_id = run(new_member, "何静", context=context)
        sale_id = run(paid_sale, member_id, self.ids, context=context)
        results = self.race(_process_worker, [
                (sale_id, context) for _ in range(TILLS)])
        self.assertEqual([s for s, _ in results], ['ok'] * TILLS)

        def lines():
            Line = Pool().get('crm8.member.points.line')
            return sorted((l.kind, l.points) for l in Line.search([
                        ('member', '=', member_id)]))
        self.assertEqual(run(lines, context=context), [('earn', 600)])
        # replaying the earning alone books nothing more
        run(lambda: Pool().get('sale.point.sale').earn_points(
                [Pool().get('sale.point.sale')(sale_id)]), context=context)
        self.assertEqual(self.balance(member_id), (600, 600, 0))
        # posting moves no points
        run(post_sale, sale_id, context=context)
        self.assertEqual(self.balance(member_id), (600, 600, 0))

        refund_id = run(
            refund_sale, sale_id, self.ids, False, context=context)
        results = self.race(_process_worker, [
                (refund_id, context) for _ in range(TILLS)])
        self.assertEqual([s for s, _ in results], ['ok'] * TILLS)
        self.assertEqual(
            run(lines, context=context), [('earn', 600), ('reverse', -600)])
        self.assertEqual(self.balance(member_id), (0, 0, 0))

    def coupon_reward(self, points_cost, stock=None):
        "Return a coupon reward worth 50 at the till and a coupon method"
        def create():
            pool = Pool()
            Promotion = pool.get('sale.promotion')
            Coupon = pool.get('sale.promotion.coupon')
            Reward = pool.get('crm8.member.reward')
            Method = pool.get('sale.point.payment.method')
            Account = pool.get('account.account')
            promotion = Promotion(name="五十元券", formula='unit_price')
            promotion.coupons = [Coupon(number_of_use=1, per_party=True)]
            promotion.save()
            reward = Reward(programme=self.ids['programme'], name="五十元券",
                kind='coupon', points_cost=points_cost, stock=stock,
                coupon=promotion.coupons[0], coupon_amount=Decimal(50))
            reward.save()
            method, = Method.search([('coupon', '=', True)]) or [None]
            if not method:
                account, = Account.search(
                    [('type.expense', '=', True)], limit=1)
                method = Method(name="会员券", account=account, coupon=True)
                method.save()
            return reward.id, method.id
        return run(create, context=self.ids['context'])

    def redemptions(self, reward_id):
        def read():
            pool = Pool()
            Redemption = pool.get('crm8.member.redemption')
            Reward = pool.get('crm8.member.reward')
            Number = pool.get('sale.promotion.coupon.number')
            redemptions = Redemption.search([('reward', '=', reward_id)])
            numbers = Number.search([
                    ('coupon', '=', Reward(reward_id).coupon.id),
                    ('active', 'in', [True, False]),
                    ])
            return ([(r.state, r.points, bool(r.coupon_number))
                    for r in redemptions], len(numbers))
        return run(read, context=self.ids['context'])

    def test_one_reward_redemption_wins(self):
        "Parallel redemptions of a reward on a balance that covers one"
        context = self.ids['context']
        reward_id, _ = self.coupon_reward(200)
        member_id = run(new_member, "孙丽", context=context)
        run(book, member_id, 'adjust', 300, context=context)
        results = self.race(_reward_worker, [
                (member_id, reward_id, context) for _ in range(PROCESSES)])

        self.assertEqual(
            sorted(s for s, _ in results),
            ['PointsError'] * (PROCESSES - 1) + ['ok'])
        for status, message in results:
            if status != 'ok':
                self.assertIn("not enough to take 200 points", message)
        # one done redemption, one coupon number, no draft left behind
        self.assertEqual(
            self.redemptions(reward_id), ([('done', 200, True)], 1))
        self.assertEqual(self.balance(member_id), (100, 100, 0))

    def test_last_reward_unit_wins(self):
        "Members with enough points redeem the last unit of a reward at once"
        context = self.ids['context']
        reward_id, _ = self.coupon_reward(100, stock=1)
        member_ids = [run(new_member, "会员%s" % i, context=context)
            for i in range(PROCESSES)]
        for member_id in member_ids:
            run(book, member_id, 'adjust', 500, context=context)
        results = self.race(_reward_worker, [
                (member_id, reward_id, context) for member_id in member_ids])

        self.assertEqual(
            sorted(s for s, _ in results),
            ['RedemptionError'] * (PROCESSES - 1) + ['ok'])
        self.assertEqual(
            self.redemptions(reward_id), ([('done', 100, True)], 1))
        balances = sorted(self.balance(m)[0] for m in member_ids)
        self.assertEqual(balances, [400] + [500] * (PROCESSES - 1))

    def test_one_till_takes_the_coupon(self):
        "Parallel tills paying with the same coupon number: one succeeds"
        context = self.ids['context']
        reward_id, method_id = self.coupon_reward(0)
        member_id = run(new_member, "钱伟", context=context)
        redemption_id = run(redeem, member_id, reward_id, context=context)

        def number():
            Redemption = Pool().get('crm8.member.redemption')
            return Redemption(redemption_id).coupon_number.number
        code = run(number, context=context)
        sale_ids = [run(open_sale, member_id, self.ids, context=context)
            for _ in range(TILLS)]
        results = self.race(_code_worker, [
                (sale_id, method_id, 'coupon_code', code, context)
                for sale_id in sale_ids])

        self.assertEqual(
            sorted(results),
            [('CouponError', 'The coupon "%s" has already been used.' % code)]
            * (TILLS - 1) + [('ok', Decimal(550))])

        def complete():
            "The winning till pays the rest in cash"
            Payment = Pool().get('sale.point.payment')
            payment, = Payment.search([('coupon_number.number', '=', code)])
            _pay(payment.sale, self.ids)
        run(complete, context=context)

        def payments():
            pool = Pool()
            Payment = pool.get('sale.point.payment')
            Sale = pool.get('sale.point.sale')
            return (
                [(p.sale.state, p.amount) for p in Payment.search([
                            ('coupon_number.number', '=', code)])],
                sorted(s.state for s in Sale.browse(sale_ids)))
        self.assertEqual(run(payments, context=context), (
                [('done', Decimal(50))], ['done'] + ['open'] * (TILLS - 1)))

    def redeemed(self, kind, **values):
        "Return the code and id of a new member's redemption of a reward"
        def create():
            pool = Pool()
            Reward = pool.get('crm8.member.reward')
            Redemption = pool.get('crm8.member.redemption')
            reward = Reward(programme=self.ids['programme'], name=kind,
                kind=kind, points_cost=0, **values)
            reward.save()
            redemption = Redemption.redeem_reward(
                new_member("朱红"), reward)
            return redemption.code, redemption.id, redemption.member.id
        return run(create, context=self.ids['context'])

    def test_one_till_takes_the_discount_code(self):
        "Parallel tills paying with the same discount code: one succeeds"
        context = self.ids['context']
        code, redemption_id, member_id = self.redeemed(
            'discount', discount_amount=Decimal(50))

        def method():
            pool = Pool()
            Method = pool.get('sale.point.payment.method')
            Account = pool.get('account.account')
            account, = Account.search([('type.expense', '=', True)], limit=1)
            method = Method(name="会员抵用", account=account, discount=True)
            method.save()
            return method.id
        method_id = run(method, context=context)
        sale_ids = [run(open_sale, member_id, self.ids, context=context)
            for _ in range(TILLS)]
        results = self.race(_code_worker, [
                (sale_id, method_id, 'discount_code', code, context)
                for sale_id in sale_ids])

        used = 'The redemption code "%s" has already been used.' % code
        self.assertEqual(
            sorted(results),
            [('DiscountCodeError', used)] * (TILLS - 1)
            + [('ok', Decimal(550))])

        def payments():
            Payment = Pool().get('sale.point.payment')
            return [p.amount for p in Payment.search([
                        ('redemption', '=', redemption_id)])]
        self.assertEqual(run(payments, context=context), [Decimal(50)])

    def test_one_cashier_hands_over_the_gift(self):
        "Parallel hand-overs of one gift: one succeeds"
        context = self.ids['context']
        _, redemption_id, _ = self.redeemed(
            'gift', product=self.ids['product'])
        results = self.race(_hand_over_worker, [
                (redemption_id, context) for _ in range(TILLS)])

        self.assertEqual(sorted(s for s, _ in results),
            ['RedemptionError'] * (TILLS - 1) + ['ok'])
        for status, message in results:
            if status != 'ok':
                self.assertIn("has already been handed over", message)


def setup_data():
    "Create company, chart, till, product and programme; return their ids"
    from proteus import Model
    from proteus import config as pconfig
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.company.tests.tools import create_company

    config = pconfig.set_trytond(DB_NAME)
    create_company(config=config)
    create_chart(config=config)
    company, = Model.get('company.company').find([])
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear())
    fiscalyear.click('create_period')
    accounts = get_accounts()

    SequenceType = Model.get('ir.sequence.type')
    Journal = Model.get('account.journal')
    Location = Model.get('stock.location')
    POS = Model.get('sale.point')
    SequenceStrict = Model.get('ir.sequence.strict')
    pos = POS(name="旗舰店")
    pos.journal, = Journal.find([('type', '=', 'revenue')], limit=1)
    pos.sequence = SequenceStrict(name="POS", company=pos.company)
    pos.sequence.sequence_type, = SequenceType.find(
        [('name', '=', "POS")], limit=1)
    pos.sequence.save()
    pos.storage_location, = Location.find([('code', '=', 'STO')])
    pos.customer_location, = Location.find([('code', '=', 'CUS')])
    pos.save()
    cash = Model.get('sale.point.payment.method')(
        name="现金", account=accounts['cash'], cash=True)
    cash.save()

    category = Model.get('product.category')(name="商品", accounting=True,
        account_revenue=accounts['revenue'])
    category.save()
    unit, = Model.get('product.uom').find([('name', '=', 'Unit')])
    template = Model.get('product.template')(
        name="紫砂壶", default_uom=unit, type='service', salable=True,
        account_category=category, list_price=Decimal(300),
        gross_price=Decimal(300))
    template.save()

    member_seq_type, = SequenceType.find([('name', '=', 'Member Number')])
    sequence = Model.get('ir.sequence')(
        name="会员号", sequence_type=member_seq_type)
    sequence.save()
    programme = Model.get('crm8.member.programme')(
        name="会员计划", number_sequence=sequence)
    programme.member_types.new(name="普卡")
    programme.save()
    Model.get('crm8.member.earn.rule')(
        programme=programme, name="每元一分").save()
    return {
        'context': {'company': company.id},
        'programme': programme.id,
        'type': programme.member_types[0].id,
        'point': pos.id,
        'cash': cash.id,
        'product': template.products[0].id,
        }


def new_member(name):
    pool = Pool()
    Member = pool.get('crm8.member')
    Party = pool.get('party.party')
    Programme = pool.get('crm8.member.programme')
    programme, = Programme.search([])
    party = Party(name=name)
    party.save()
    member = Member(
        programme=programme, party=party, type=programme.member_types[0])
    member.save()
    return member.id


def _pay(sale, ids, process=True):
    """Pay the rest of the sale in cash, as the pay wizard does; complete
    the sale unless process is False"""
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Payment = pool.get('sale.point.payment')
    Payment(sale=sale, method=ids['cash'], amount=sale.amount_to_pay).save()
    if process:
        Sale.process([Sale(sale.id)])


def open_sale(member_id, ids):
    "Return an unpaid sale of two teapots for the member"
    pool = Pool()
    Sale = pool.get('sale.point.sale')
    Line = pool.get('sale.point.sale.line')
    sale = Sale(point=ids['point'], member=member_id)
    sale.lines = [Line(product=ids['product'], quantity=2,
            unit_list_price=Decimal(300), unit_gross_price=Decimal(300))]
    sale.save()
    return sale.id


def paid_sale(member_id, ids):
    "Return a sale of two teapots for the member, paid but not completed"
    Sale = Pool().get('sale.point.sale')
    sale = Sale(open_sale(member_id, ids))
    _pay(sale, ids, process=False)
    return sale.id


def refund_sale(sale_id, ids, process=True):
    "Return the paid refund of the sale, completed unless process is False"
    Sale = Pool().get('sale.point.sale')
    Sale.refund([Sale(sale_id)])
    refund, = Sale(sale_id).refunds
    _pay(refund, ids, process=process)
    refund = Sale(refund.id)
    assert refund.state == ('done' if process else 'open'), refund.state
    return refund.id
