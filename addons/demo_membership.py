# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Demo membership (crm8_membership): the 华信会员计划 programme of the
company's tea and gift shop 华信生活馆, its tiers by the spend of twelve
months (evaluated once, so some members moved up or down) and a VIP type,
reserved numbers, members with cards, fees and birthdays, posted till sales
that earned points, a points payment, rewards (a gift, a coupon, a gold
discount) with a redemption rule and a redemption of the gift, the till with
its cashier (login ``cashier``) and a member self-service account:
``member@example.com``, whose password is its login like every demo user's;
that member (王芳, silver) is a few yuan short of gold and has points to
redeem."""
import datetime as dt
from decimal import Decimal

PROGRAMME = "华信会员计划"
PORTAL_EMAIL = 'member@example.com'
# name, fee per year, tier threshold: the spend of the last 12 months
TYPES = [("普通会员", None, Decimal(0)),
    ("银卡会员", Decimal('200'), Decimal('300')),
    ("金卡会员", Decimal('500'), Decimal('2000'))]
VIP_TYPE = "VIP 会员"
RESERVED = [("888", "VIP 专用"), ("6666", "VIP 专用")]
# name, mobile, type index (3: VIP), days since joining, birthday, lunar
MEMBERS = [
    ("王芳", '13800138001', 1, 700, (1988, 3, 12), False),
    ("李强", '13800138002', 1, 650, (1985, 7, 8), True),
    ("张丽", '13800138003', 0, 600, (1992, 11, 30), False),
    ("刘洋", '13800138004', 1, 560, (1990, 1, 5), False),
    ("陈静", '13800138005', 0, 500, (1995, 5, 20), False),
    ("杨帆", '13800138006', 2, 480, (1983, 9, 9), True),
    ("赵敏", '13800138007', 0, 430, None, False),
    ("黄磊", '13800138008', 1, 400, (1979, 12, 24), False),
    ("周婷", '13800138009', 0, 380, (1998, 2, 14), False),
    ("吴刚", '13800138010', 0, 350, (1987, 6, 1), False),
    ("徐静", '13800138011', 1, 320, (1991, 8, 15), True),
    ("孙浩", '13800138012', 0, 300, (1993, 4, 4), False),
    ("胡雪", '13800138013', 2, 260, (1986, 10, 1), False),
    ("朱琳", '13800138014', 0, 230, (1996, 3, 8), False),
    ("高峰", '13800138015', 1, 200, (1982, 7, 7), False),
    ("林海", '13800138016', 0, 170, (1994, 9, 10), False),
    ("何雨", '13800138017', 0, 140, (1997, 1, 1), False),
    ("郭涛", '13800138018', 1, 110, (1989, 5, 5), False),
    ("马丽", '13800138019', 0, 80, (1999, 6, 18), False),
    ("罗军", '13800138020', 0, 50, (1984, 11, 11), False),
    ("梁晨", '13800138021', 0, 20, (2000, 8, 8), False),
    ("宋佳", '13800138022', 0, 10, None, False),
    ]
# VIP members, given the reserved numbers
VIPS = [("郑国华", '13900139888', "888", (1975, 8, 18))]
# name, code, price
GOODS = [("西湖龙井 (250g)", 'TEA-LJ', Decimal('168')),
    ("宜兴紫砂壶", 'TEA-POT', Decimal('680')),
    ("茶具礼盒", 'TEA-GIFT', Decimal('398')),
    ("普洱茶饼 (357g)", 'TEA-PE', Decimal('258'))]
# member index, goods (index, quantity), days ago; points pay 5 yuan of
# the sales marked True. By the thresholds: 王芳 spends 1930 (silver, 70
# short of gold), 张丽 426 (up to silver), 杨帆 and 胡雪 over 2000 (gold),
# 黄磊 168 and 郭涛 258 (down to 普通)
SALES = [(0, [(1, 1), (0, 2)], 120, False), (0, [(2, 1)], 40, False),
    (0, [(3, 2)], 5, True), (1, [(0, 3)], 90, False),
    (2, [(3, 1), (0, 1)], 75, False), (5, [(1, 2)], 200, False),
    (12, [(1, 1), (3, 2)], 150, False),
    (3, [(1, 1)], 60, False), (5, [(2, 2), (0, 1)], 50, False),
    (7, [(0, 1)], 45, False), (8, [(3, 1)], 30, False),
    (10, [(2, 1)], 25, False), (12, [(1, 1), (2, 1)], 20, False),
    (14, [(0, 2)], 15, False), (17, [(3, 1)], 10, False),
    (22, [(1, 2)], 8, False), (1, [(2, 1)], 3, True)]
CASHIER_GROUPS = ['POS', 'POS Posting', 'Membership']
# the gift 王芳 redeemed, days ago
REDEEMED_GIFT_DAYS = 20


def load(config, company):
    "The programme, its members and their history; after the catalogue"
    from proteus import Model
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    today = dt.date.today()
    accounts = _accounting(config, company)
    goods, fee_product = _goods(config, accounts)
    pos, cash, points = _till(config, company, accounts)

    User = Model.get('res.user')
    Group = Model.get('res.group')
    cashier, = User.find([('login', '=', 'cashier')])
    with config.set_context(language='en'):
        cashier.groups.extend(Group.find([('name', 'in', CASHIER_GROUPS)]))
    cashier.save()

    programme = _programme(config, company, fee_product)
    gift = _rewards(config, programme)
    types = list(programme.member_types)
    Party = Model.get('party.party')
    Member = Model.get('crm8.member')
    members = []
    for name, mobile, kind, days, born, lunar in MEMBERS:
        party = Party(name=name)
        party.contact_mechanisms.new(type='mobile', value=mobile)
        party.save()
        member = Member(programme=programme, party=party, type=types[kind],
            mobile=mobile, join_date=today - dt.timedelta(days=days),
            birthday=dt.date(*born) if born else None, birthday_lunar=lunar)
        member.cards.new()
        members.append(member)
    for name, mobile, number, born in VIPS:
        party = Party(name=name)
        party.save()
        member = Member(programme=programme, party=party, type=types[3],
            number=number, mobile=mobile, birthday=dt.date(*born),
            join_date=today - dt.timedelta(days=800))
        member.cards.new()
        members.append(member)
    # one birthday in two days, for the staff notice
    soon = today + dt.timedelta(days=2)
    members[4].birthday = dt.date(1995, soon.month, min(soon.day, 28))
    members[0].email = PORTAL_EMAIL
    Member.save(members)
    members[18].click('terminate')

    WebUser = Model.get('web.user')
    portal = WebUser(email=PORTAL_EMAIL, party=members[0].party,
        email_valid=True)
    portal.save()

    # the demo sends no email (nothing listens on its SMTP port): the
    # greetings stay off, the staff notice is on
    Rule = Model.get('crm8.reminder.rule')
    with config.set_context(active_test=False):
        rules = Rule.find([('model.name', '=', 'crm8.member.special_day')])
    for rule in rules:
        rule.active = rule.channel == 'notification'
    Rule.save(rules)

    with Transaction().start(config.database_name, 0) as transaction:
        pool = Pool()
        pool.get('crm8.member.fee').renew()
        pool.get('crm8.member.special_day').generate()
        Web = pool.get('web.user')
        table = Web.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update([table.password_hash],
                [Web.hash_password(PORTAL_EMAIL)],
                where=table.id == portal.id))
        transaction.commit()

    _sales(config, cashier, pos, cash, points, members, goods, today, gift)

    with Transaction().start(config.database_name, 0,
            context={'language': 'zh_CN'}) as transaction:
        pool = Pool()
        # what the daily cron does: members move to the type of their spend
        pool.get('crm8.member').evaluate_tiers_cron()
        transaction.commit()


def _accounting(config, company):
    """Cash, revenue and expense accounts and a fiscal year: the till posts
    to them (the demo has no chart: the charts load with English only)"""
    from proteus import Model
    from trytond.modules.account.tests.tools import create_fiscalyear
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    Type = Model.get('account.account.type')
    Account = Model.get('account.account')
    FiscalYear = Model.get('account.fiscalyear')

    def account(name, code, kind, **flags):
        found = Account.find([('type.' + kind, '=', True)], limit=1)
        if found:
            return found[0]
        type_ = Type(name=name, company=company, **flags)
        type_.save()
        new = Account(name=name, code=code, type=type_, company=company)
        new.save()
        return new
    accounts = {
        'revenue': account("主营业务收入", '6001', 'revenue',
            statement='income', revenue=True),
        'expense': account("销售费用", '6601', 'expense',
            statement='income', expense=True),
        'cash': account("库存现金", '1001', 'assets',
            statement='balance', assets=True),
        }
    with config.set_context(language='en'):
        if not FiscalYear.find([]):
            fiscalyear = set_fiscalyear_invoice_sequences(
                create_fiscalyear(company))
            fiscalyear.save()
            fiscalyear.click('create_period')
    return accounts


def _goods(config, accounts):
    from proteus import Model
    Category = Model.get('product.category')
    Template = Model.get('product.template')
    Uom = Model.get('product.uom')
    with config.set_context(language='en'):
        unit, = Uom.find([('name', '=', 'Unit')])
    category = Category(name="华信生活馆商品", accounting=True,
        account_revenue=accounts['revenue'])
    category.save()
    goods = []
    for name, code, price in GOODS:
        template = Template(name=name, code=code, type='service',
            default_uom=unit, salable=True, account_category=category,
            list_price=price, gross_price=price)
        template.save()
        goods.append(template.products[0])
    template = Template(name="会员年费", code='MEM-FEE', type='service',
        default_uom=unit, salable=True, account_category=category,
        list_price=Decimal(0), gross_price=Decimal(0))
    template.save()
    return goods, template.products[0]


def _till(config, company, accounts):
    from proteus import Model
    Journal = Model.get('account.journal')
    Location = Model.get('stock.location')
    POS = Model.get('sale.point')
    Sequence = Model.get('ir.sequence.strict')
    SequenceType = Model.get('ir.sequence.type')
    Method = Model.get('sale.point.payment.method')
    with config.set_context(language='en'):
        journal, = Journal.find([('type', '=', 'revenue')], limit=1)
        kind, = SequenceType.find([('name', '=', "POS")], limit=1)
        storage, = Location.find([('code', '=', 'STO')])
        customer, = Location.find([('code', '=', 'CUS')])
    sequence = Sequence(name="华信生活馆收银", company=company,
        sequence_type=kind)
    sequence.save()
    pos = POS(name="华信生活馆", journal=journal, sequence=sequence,
        storage_location=storage, customer_location=customer)
    pos.save()
    cash = Method(name="现金", account=accounts['cash'], cash=True)
    cash.save()
    points = Method(name="积分抵现", account=accounts['expense'],
        points_rate=Decimal(100))
    points.save()
    # the numbers of the coupon reward pay here
    Method(name="会员代金券", account=accounts['expense'], coupon=True).save()
    return pos, cash, points


def _programme(config, company, fee_product):
    from proteus import Model
    Sequence = Model.get('ir.sequence')
    SequenceType = Model.get('ir.sequence.type')
    Programme = Model.get('crm8.member.programme')
    Rule = Model.get('crm8.member.earn.rule')
    with config.set_context(language='en'):
        member_kind, = SequenceType.find([('name', '=', 'Member Number')])
        card_kind, = SequenceType.find(
            [('name', '=', 'Membership Card Number')])
    numbers = Sequence(name="会员号", sequence_type=member_kind,
        padding=6, number_next=1001)
    numbers.save()
    cards = Sequence(name="会员卡号", sequence_type=card_kind, prefix='HX',
        padding=8, number_next=1)
    cards.save()
    programme = Programme(name=PROGRAMME, number_sequence=numbers,
        card_sequence=cards, fee_product=fee_product)
    for sequence, (name, fee, threshold) in enumerate(TYPES, 1):
        programme.member_types.new(name=name, sequence=sequence,
            fee_amount=fee, tier_threshold=threshold)
    programme.member_types.new(name=VIP_TYPE, sequence=len(TYPES) + 1,
        vip=True)
    for number, note in RESERVED:
        programme.reserved_numbers.new(number=number, note=note)
    programme.save()
    gold = programme.member_types[2]
    Rule(programme=programme, name="金卡会员双倍积分", member_type=gold,
        sequence=1, points_per_amount=Decimal(2)).save()
    Rule(programme=programme, name="每消费一元积一分", sequence=10).save()
    return programme


def _rewards(config, programme):
    """A gift, a coupon worth 20 yuan at the till and a discount for gold
    members; at most three redemptions a month. Return the gift"""
    from proteus import Model
    Uom = Model.get('product.uom')
    Template = Model.get('product.template')
    Promotion = Model.get('sale.promotion')
    Reward = Model.get('crm8.member.reward')
    Rule = Model.get('crm8.member.redemption.rule')
    with config.set_context(language='en'):
        unit, = Uom.find([('name', '=', 'Unit')])
    cup = Template(name="华信定制品茗杯", code='GIFT-CUP', type='service',
        default_uom=unit, list_price=Decimal(0))
    cup.save()
    promotion = Promotion(name="会员二十元代金券", formula='unit_price')
    promotion.coupons.new(number_of_use=1, per_party=True)
    promotion.save()
    gift = Reward(programme=programme, name="华信定制品茗杯", kind='gift',
        points_cost=300, product=cup.products[0], stock=50,
        description="到店出示兑换码领取。")
    coupon = Reward(programme=programme, name="二十元代金券",
        kind='coupon', points_cost=1000, coupon=promotion.coupons[0],
        coupon_days=30, coupon_amount=Decimal(20),
        description="结账时出示券号，抵现二十元，三十天内有效。")
    Type = Model.get('crm8.member.type')
    discount = Reward(programme=programme, name="金卡专享立减五十元",
        kind='discount', points_cost=2000, discount_amount=Decimal(50))
    discount.member_types.append(Type(programme.member_types[2].id))
    Reward.save([gift, coupon, discount])
    Rule(programme=programme, name="每月最多兑换三次",
        maximum_redemptions=3, period='month').save()
    return gift


def _sales(config, cashier, pos, cash, points, members, goods, today,
        gift):
    """Posted till sales of the last months; the cashier sells, and hands
    王芳 the gift she redeemed"""
    from proteus import Model
    Sale = Model.get('sale.point.sale')
    Fee = Model.get('crm8.member.fee')
    admin, context = config.user, config._context
    config.user = cashier.id
    config._context = Model.get('res.user').get_preferences(True, {})
    try:
        Member = Model.get('crm8.member')

        def sell(member, lines, date, points_paid, fee=None):
            sale = Sale(point=pos, member=Member(member.id), date=date)
            for index, quantity in lines:
                line = sale.lines.new()
                line.product = goods[index]
                line.quantity = quantity
            if fee:
                line = sale.lines.new()
                line.membership_fee = fee
            sale.save()
            if points_paid:
                pay = sale.click('pay')
                pay.form.method = points
                pay.form.amount = Decimal('5.00')
                pay.execute('pay')
            pay = sale.click('pay')
            pay.form.method = cash
            pay.execute('pay')
            sale.click('post')

        for index, lines, days, points_paid in SALES:
            sell(members[index], lines, today - dt.timedelta(days=days),
                points_paid)
        # 刘洋 renews his silver membership at the till
        fee, = Fee.find([('member', '=', members[3].id),
                ('state', '=', 'draft')], limit=1)
        sell(members[3], [], today, False, fee=Fee(fee.id))

        Redemption = Model.get('crm8.member.redemption')
        Reward = Model.get('crm8.member.reward')
        redemption = Redemption(member=Member(members[0].id),
            reward=Reward(gift.id),
            date=today - dt.timedelta(days=REDEEMED_GIFT_DAYS))
        redemption.save()
        redemption.click('redeem')
    finally:
        config.user, config._context = admin, context
