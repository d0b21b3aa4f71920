# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""The Chinese demo: the brochure's story, fixed for scripts and integrators.

Database ``demo``; ``admin`` / ``admin``; every other user's password equals
its login (set as a hash: Tryton refuses such passwords when typed, which is
right for real users and wrong for a demo that must be predictable).
"""
import datetime as dt
from decimal import Decimal

from crm8 import demo_catalogue

COMPANY = "华信智能科技有限公司"
OPPORTUNITY = "MMS 系统采购商机"
CUSTOMER_GROUPS = ['Customers', 'Customer Communications']
MANAGER_GROUPS = CUSTOMER_GROUPS + ['Customer Manager', 'Customer Revenue']
USERS = [
    # login, name, group names, employee role
    ('sales_manager', "王建国",
        ['Sales Administrator', 'Sales', 'Sale Opportunity']
        + MANAGER_GROUPS, "销售经理"),
    ('sales_rep', "张伟", ['Sales', 'Sale Opportunity'] + CUSTOMER_GROUPS,
        "销售代表"),
    ('sales_rep2', "李娜", ['Sales', 'Sale Opportunity'] + CUSTOMER_GROUPS,
        "销售代表"),
    ('marketer', "陈静", ['Sales', 'Sale Opportunity'] + MANAGER_GROUPS,
        "市场专员"),
    ('cashier', "刘洋", ['Sales'], "出纳"),
    ]
INDUSTRIES = ["制造业", "信息技术", "物流", "医疗器械", "化工", "食品"]
SOURCES = ["展会", "官网", "转介绍", "电话营销"]
CUSTOMERS = [
    # name, city, phone, uscc, industry, source, responsible (login)
    ("零件制造有限公司", "Shenzhen", "0755-26881234", "91440300MA5F3KQ1XT",
        "制造业", "展会", 'sales_rep'),
    ("华南精密机械股份有限公司", "Guangzhou", "020-38881111", None,
        "制造业", "转介绍", 'sales_rep'),
    ("北京博远信息技术有限公司", "Beijing", "010-62881122", None,
        "信息技术", "官网", 'sales_rep2'),
    ("上海恒通物流有限公司", "Shanghai", "021-50881133", None,
        "物流", "电话营销", 'sales_rep2'),
    ("杭州云帆电子商务有限公司", "Hangzhou", "0571-88881144", None,
        "信息技术", "官网", 'sales_rep'),
    ("成都天府软件园有限公司", "Chengdu", "028-85881155", None,
        "信息技术", "展会", 'sales_rep2'),
    ("武汉长江汽车配件有限公司", "Wuhan", "027-87881166", None,
        "制造业", "展会", None),
    ("南京紫金医疗器械有限公司", "Nanjing", "025-83881177", None,
        "医疗器械", "官网", None),
    ("苏州工业园区新材料有限公司", "Suzhou", "0512-62881188", None,
        "制造业", "电话营销", 'sales_rep'),
    ("西安秦川重工集团", "Xi'an", "029-88881199", None,
        "制造业", "展会", 'sales_rep2'),
    ("天津滨海化工有限公司", "Tianjin", "022-25881200", None,
        "化工", "电话营销", None),
    ("重庆山城食品有限公司", "Chongqing", "023-63881211", None,
        "食品", "转介绍", None),
    ]
# prospects waiting in the lead pool (公海), entered at a trade fair
POOL = [
    ("东莞智造模具有限公司", "Dongguan", "0769-22881001", "制造业"),
    ("佛山顺德家电配件厂", "Foshan", "0757-22881002", "制造业"),
    ("长沙湘江环保科技有限公司", "Changsha", "0731-88881003", "化工"),
    ("青岛海湾冷链物流有限公司", "Qingdao", "0532-88881004", "物流"),
    ]
PRODUCTS = [
    # name, code, list price, type
    ("MMS 制造管理系统 (企业版)", "MMS-ENT", Decimal('980000'), 'service'),
    ("MMS 实施服务 (人天)", "MMS-IMPL", Decimal('2500'), 'service'),
    ("MMS 年度维护", "MMS-MAINT", Decimal('80000'), 'service'),
    ("工业平板电脑", "HW-TAB", Decimal('6800'), 'goods'),
    ]


def load(config_file, database):
    from proteus import Model
    from proteus import config as pconfig
    config = pconfig.set_trytond(database=database, config_file=config_file)
    Company = Model.get('company.company')
    Opportunity = Model.get('sale.opportunity')
    if Opportunity.find([('description', '=', OPPORTUNITY)]):
        print("crm8: demo data already loaded")
        return
    if Company.find([]):
        raise SystemExit(
            "crm8: the database has a company but no demo data; "
            "load the demo into a new database")
    _load(config)
    print("crm8: demo data loaded")


def _set_password(user_ids_passwords):
    # Written as hashes, see the module docstring.
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    User = pool.get('res.user')
    table = User.__table__()
    cursor = Transaction().connection.cursor()
    for user_id, password in user_ids_passwords:
        cursor.execute(*table.update(
                [table.password_hash], [User.hash_password(password)],
                where=table.id == user_id))


def _skip_config_wizard():
    # The demo is configured: the first login opens the menu, not the
    # module-configuration wizard.
    from trytond.pool import Pool
    Item = Pool().get('ir.module.config_wizard.item')
    Item.write(Item.search([]), {'state': 'done'})


def _load(config):
    from proteus import Model

    Party = Model.get('party.party')
    Currency = Model.get('currency.currency')
    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    Lang = Model.get('ir.lang')
    User = Model.get('res.user')
    Group = Model.get('res.group')
    Employee = Model.get('company.employee')
    Team = Model.get('crm8.team')

    zh, = Lang.find([('code', '=', 'zh_CN')])
    cny, = Currency.find([('code', '=', 'CNY')]) or [Currency(
            name="人民币", code='CNY', symbol='¥', rounding=Decimal('0.01'),
            digits=2)]
    cny.save()
    china, = Country.find([('code', '=', 'CN')])

    def city(name):
        # the names are searched in English, the language of the data
        with config.set_context(language='en'):
            found = Subdivision.find([
                    ('country', '=', china.id), ('name', '=', name)], limit=1)
        return Subdivision(found[0].id) if found else None

    company_party = Party(name=COMPANY, lang=zh)
    address, = company_party.addresses
    address.country = china
    address.subdivision = city('Shenzhen')
    address.street = "南山区科技园科苑路 8 号"
    company_party.save()
    Company = Model.get('company.company')
    company = Company(party=company_party, currency=cny,
        timezone='Asia/Shanghai')
    company.save()
    admin, = User.find([('login', '=', 'admin')])
    admin.language = zh
    admin.companies.append(Company(company.id))
    admin.company = Company(company.id)
    admin.save()
    config._context = User.get_preferences(True, {})

    employees = {}
    passwords = [(admin.id, 'admin')]
    for login, name, groups, role in USERS:
        person = Party(name=name, lang=zh)
        person.save()
        employee = Employee(party=person, company=company)
        employee.save()
        user = User(login=login, name=name, language=zh,
            email=f'{login}@example.com')
        # group names are searched in English, the language they are
        # defined in
        with config.set_context(language='en'):
            user.groups.extend(Group.find([('name', 'in', groups)]))
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        user.employees.append(Employee(employee.id))
        user.employee = Employee(employee.id)
        user.save()
        employees[login] = employee
        passwords.append((user.id, login))
    for login in ['sales_rep', 'sales_rep2']:
        employees[login].supervisor = employees['sales_manager']
        employees[login].save()

    sales = Team(name="销售部", kind='department', company=company,
        leader=employees['sales_manager'])
    sales.save()
    south = Team(name="华南销售一组", kind='sales', company=company,
        parent=sales, leader=employees['sales_manager'])
    south.members.extend([Employee(employees['sales_rep'].id),
            Employee(employees['sales_rep2'].id)])
    south.save()
    marketing = Team(name="市场部", kind='department', company=company)
    marketing.members.append(Employee(employees['marketer'].id))
    marketing.save()

    customers = _customers(config, china, city, zh, employees, south)
    products = _products(company)
    _opportunity(company, customers[0], employees['sales_rep'], products)
    _orders(customers, products)
    demo_catalogue.load(company, products)
    from .demo_activities import load_activities
    load_activities(customers, employees)
    from .demo_pipeline import pipeline
    pipeline(config, customers, employees, products,
        [p[2] for p in PRODUCTS], OPPORTUNITY)
    from .demo_membership import load as load_membership
    load_membership(config, company)
    # last: its approval flow would hold the other demo sales
    from .demo_quotes import load_quotes
    load_quotes(customers, products)

    from trytond.transaction import Transaction
    with Transaction().start(config.database_name, 0) as transaction:
        _set_password(passwords)
        _skip_config_wizard()
        _age_prospects_and_remind()
        transaction.commit()


def _customers(config, china, city, zh, employees, south):
    "Customers with reps, an account team, a score, the pool and its rules"
    from proteus import Model
    Party = Model.get('party.party')
    Industry = Model.get('crm8.customer.industry')
    Source = Model.get('crm8.customer.source')
    Communication = Model.get('crm8.communication')
    Employee = Model.get('company.employee')
    industries = {n: Industry(name=n) for n in INDUSTRIES}
    Industry.save(list(industries.values()))
    sources = {n: Source(name=n) for n in SOURCES}
    Source.save(list(sources.values()))

    customers = []
    with config.set_context(crm8_customer=True, crm8_no_assign=True):
        for name, city_name, phone, uscc, industry, source, rep in CUSTOMERS:
            party = Party(name=name, lang=zh)
            address, = party.addresses
            address.country = china
            address.subdivision = city(city_name)
            party.contact_mechanisms.new(type='phone', value=phone)
            party.industry = industries[industry]
            party.source = sources[source]
            party.owner = employees[rep] if rep else None
            party.size = 'large' if uscc else 'medium'
            if uscc:
                party.fapiao_title = name
                party.fapiao_tax_number = uscc
            party.save()
            customers.append(party)
        for name, city_name, phone, industry in POOL:
            party = Party(name=name, lang=zh, owner=None)
            address, = party.addresses
            address.country = china
            address.subdivision = city(city_name)
            party.contact_mechanisms.new(type='phone', value=phone)
            party.industry = industries[industry]
            party.source = sources["展会"]
            party.save()

    maker = customers[0]
    maker.account_team.new(employee=employees['sales_manager'],
        role='relationship')
    maker.account_team.new(employee=employees['sales_rep'], role='sales')
    maker.account_team.new(employee=employees['sales_rep2'], role='service')
    maker.contact_mechanisms.new(type='email', name="王采购",
        value='purchasing@lingjian.example.com', position="采购经理",
        purposes=['ordering', 'payment'], decision_maker=True)
    maker.marketing_note = "关注智能制造；每年参加深圳工业展。"
    maker.save()
    now = dt.datetime.now().replace(microsecond=0)
    for days, channel, summary in [
            (30, 'visit', "拜访工厂，了解三个工厂的生产管理现状"),
            (12, 'meeting', "MMS 方案演示，客户 IT 与生产部参加"),
            (3, 'call', "确认商务条款与上线时间"),
            ]:
        Communication(party=maker, employee=employees['sales_rep'],
            date=now - dt.timedelta(days=days), channel=channel,
            summary=summary).save()

    # new prospects of Guangdong go to the south team in turns
    Rule = Model.get('crm8.customer.assignment.rule')
    Subdivision = Model.get('country.subdivision')
    with config.set_context(language='en'):
        guangdong = Subdivision.find([('country', '=', china.id),
                ('name', '=', 'Guangdong')], limit=1)
    guangdong = [Subdivision(g.id) for g in guangdong]
    rule = Rule(name="华南地区", team=south, method='round_robin', cap=20)
    if guangdong:
        rule.subdivision = guangdong[0]
    rule.employees.extend([Employee(employees['sales_rep'].id),
            Employee(employees['sales_rep2'].id)])
    rule.save()
    Configuration = Model.get('crm8.customer.configuration')
    configuration = Configuration(1)
    configuration.claim_limit = 30
    configuration.return_days = 30
    configuration.save()

    ScoreModel = Model.get('crm8.score.model')
    value = ScoreModel(name="客户价值")
    value.criteria.new(name="制造业", kind='domain',
        domain="[('industry.name', '=', '制造业')]", weight=1)
    value.criteria.new(name="企业规模", kind='domain',
        domain="[('size', '=', 'large')]", weight=1)
    value.criteria.new(name="近期沟通", kind='domain',
        domain="[('last_communication', '!=', None)]", weight=1)
    value.save()
    value.click('recompute_button')
    Qualification = Model.get('crm8.customer.qualification.rule')
    Qualification(name="高价值潜在客户", score_model=value,
        minimum_score=60, automatic=True).save()

    Query = Model.get('crm8.customer.query')
    Query(name="华南制造业潜在客户", user=None, lifecycle_stage='prospect',
        industry=industries["制造业"],
        subdivision=guangdong[0] if guangdong else None).save()

    # the eleven reminder rules of CUS-15 are on in the demo
    Reminder = Model.get('crm8.reminder.rule')
    for reminder in Reminder.find([('active', '=', False)]):
        reminder.active = True
        reminder.save()
    return customers


def _orders(customers, products):
    "Orders that move customers along their lifecycle"
    from proteus import Model
    Sale = Model.get('sale.sale')
    today = dt.date.today()
    for customer, days in [(customers[1], 200), (customers[1], 20),
            (customers[2], 60), (customers[4], 500)]:
        sale = Sale(party=customer, sale_date=today - dt.timedelta(days=days))
        line = sale.lines.new()
        line.product = products[2]
        line.quantity = 1
        line.unit_price = PRODUCTS[2][2]
        sale.click('quote')
        sale.click('confirm')


def _age_prospects_and_remind():
    "Date the pool back to the trade fair so its reminders are due"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Party = pool.get('party.party')
    Reminder = pool.get('crm8.reminder.rule')
    party = Party.__table__()
    cursor = Transaction().connection.cursor()
    fair = dt.datetime.now() - dt.timedelta(days=10)
    cursor.execute(*party.update([party.create_date], [fair],
            where=(party.owner == None)  # noqa: E711
            & (party.lifecycle_stage != None)))  # noqa: E711
    Reminder.run()


def _products(company):
    from proteus import Model
    from proteus.config import get_config
    config = get_config()
    Uom = Model.get('product.uom')
    Template = Model.get('product.template')
    with config.set_context(language='en'):
        unit, = Uom.find([('name', '=', 'Unit')])
    products = []
    for name, code, price, type_ in PRODUCTS:
        template = Template(name=name, code=code, type=type_,
            default_uom=unit, list_price=price, salable=True)
        template.save()
        products.append(template.products[0])
    return products


def _opportunity(company, customer, employee, products):
    from proteus import Model
    Opportunity = Model.get('sale.opportunity')
    opportunity = Opportunity()
    opportunity.description = OPPORTUNITY
    opportunity.party = customer
    opportunity.employee = employee
    opportunity.amount = Decimal('1235000')
    opportunity.conversion_probability = 0.99
    opportunity.start_date = dt.date.today() - dt.timedelta(days=45)
    opportunity.comment = (
        "客户计划年内上线 MMS 制造管理系统，覆盖三个工厂；"
        "已完成技术交流与方案演示，商务条款基本确认。")
    line = opportunity.lines.new()
    line.product = products[0]
    line.quantity = 1
    line = opportunity.lines.new()
    line.product = products[1]
    line.quantity = 70
    line = opportunity.lines.new()
    line.product = products[2]
    line.quantity = 1
    opportunity.amount = Decimal('1235000')
    opportunity.save()
    opportunity.click('opportunity')
    return opportunity
