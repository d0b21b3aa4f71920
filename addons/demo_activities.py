# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Demo of the sales activities (SAL-3 .. SAL-9).

The calendar of the two reps around today (one visit overdue),
communications with their next actions, and the MMS opportunity worked in
full: plan and return, competitors, influencers, budget, team and a tender
with its bond.
"""
import datetime as dt
from decimal import Decimal

OPPORTUNITY = "MMS 系统采购商机"
COSTS = {
    'MMS-ENT': Decimal('420000'),
    'MMS-IMPL': Decimal('1100'),
    'MMS-MAINT': Decimal('20000'),
    }


def load_activities(customers, employees):
    from proteus import Model
    Opportunity = Model.get('sale.opportunity')
    opportunity, = Opportunity.find([('description', '=', OPPORTUNITY)])
    _costs()
    competitors = _competitors()
    _opportunity(opportunity, customers[0], employees, competitors)
    _calendar(customers, employees, opportunity)
    _communications(customers[0], employees, opportunity)


def _costs():
    from proteus import Model
    Product = Model.get('product.product')
    for product in Product.find([('code', 'in', list(COSTS))]):
        product.cost_price = COSTS[product.code]
        product.save()


def _competitors():
    from proteus import Model
    Competitor = Model.get('crm8.sales.competitor')
    competitors = [
        Competitor(name="某国际 ERP 厂商", strengths="品牌知名度高，功能全面",
            weaknesses="实施周期长，价格高，本地服务弱"),
        Competitor(name="本地 MES 软件公司", strengths="价格低，响应快",
            weaknesses="产品不成熟，缺少多工厂经验"),
        ]
    Competitor.save(competitors)
    return competitors


def _opportunity(opportunity, maker, employees, competitors):
    from proteus import Model
    Team = Model.get('crm8.team')
    Employee = Model.get('company.employee')
    ContactMechanism = Model.get('party.contact_mechanism')
    department, = Team.find([('name', '=', "销售部")])
    buyer, = ContactMechanism.find([
            ('party', '=', maker.id), ('name', '=', "王采购")])
    opportunity.department = department
    opportunity.investment = Decimal('150000')
    opportunity.expected_return = Decimal('450000')
    opportunity.priority = 'high'
    opportunity.plan = (
        "1. 技术交流（已完成）\n2. 方案演示（已完成）\n"
        "3. 投标与商务谈判\n4. 签约，三个工厂分批上线")
    opportunity.value_proposition = (
        "本地化实施团队，三个月首厂上线；总拥有成本低于国际厂商 30%；"
        "与客户现有 ERP 标准接口。")
    opportunity.competitors.new(competitor=competitors[0],
        price=Decimal('1580000'), threat='high',
        strengths=competitors[0].strengths,
        weaknesses=competitors[0].weaknesses)
    opportunity.competitors.new(competitor=competitors[1],
        price=Decimal('680000'), threat='medium',
        strengths=competitors[1].strengths,
        weaknesses=competitors[1].weaknesses)
    opportunity.influencers.new(contact=buyer, role='decision_maker',
        attitude='supporter', note="主导本次采购，关注总成本")
    opportunity.expense_budget = Decimal('60000')
    today = dt.date.today()
    for days, category, description, amount in [
            (30, 'travel', "深圳-东莞 工厂调研差旅", Decimal('3200')),
            (12, 'presales', "方案演示环境与样机", Decimal('18000')),
            (5, 'entertainment', "商务接待", Decimal('2600')),
            ]:
        opportunity.expenses.new(date=today - dt.timedelta(days=days),
            category=category, description=description, amount=amount,
            employee=Employee(employees['sales_rep'].id))
    opportunity.members.new(
        employee=Employee(employees['sales_rep'].id), role='owner')
    opportunity.members.new(
        employee=Employee(employees['sales_rep2'].id), role='presales')
    opportunity.team_note = "客户 IT 部关注与现有 ERP 的接口，投标文件需附接口方案。"
    opportunity.management_priority = 'strategic'
    opportunity.save()
    opportunity.click('review')

    Bid = Model.get('crm8.sales.bid')
    bid = Bid(opportunity=opportunity, name="零件制造 MMS 系统采购项目",
        reference="LJ-2026-018",
        employee=Employee(employees['sales_rep'].id),
        deadline=dt.datetime.combine(
            today + dt.timedelta(days=10), dt.time(9, 30)),
        amount=Decimal('1235000'), bond_amount=Decimal('50000'),
        bond_state='paid', bond_paid_date=today - dt.timedelta(days=2))
    bid.save()
    Attachment = Model.get('ir.attachment')
    Attachment(resource=bid, name="投标文件-技术方案.txt",
        data="MMS 制造管理系统 技术方案与接口说明".encode('utf-8')).save()


def _calendar(customers, employees, opportunity):
    "The reps' activities of the coming working days, one done yesterday"
    from proteus import Model
    Activity = Model.get('crm8.sales.activity')
    Employee = Model.get('company.employee')
    today = dt.date.today()

    def workday(n):
        "The n-th working day from today (0: today or the next one)"
        day, step = today, 1 if n >= 0 else -1
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        for _ in range(abs(n)):
            day += dt.timedelta(days=step)
            while day.weekday() >= 5:
                day += dt.timedelta(days=step)
        return day

    def at(day, hour, minute=0):
        return dt.datetime.combine(workday(day), dt.time(hour, minute))
    plan = [
        # rep, day, hour, hours, type, subject, customer, on opportunity
        ('sales_rep', -1, 10, 1, 'call', "确认投标文件要求", 0, True),
        ('sales_rep', 0, 9, 2, 'visit', "拜访王采购，讨论商务条款", 0, True),
        ('sales_rep', 1, 14, 1, 'meeting', "内部投标评审会", 0, True),
        ('sales_rep', 2, 10, 2, 'visit', "拜访华南精密机械", 1, False),
        ('sales_rep', 4, 16, 1, 'task', "整理本周客户拜访纪要", None, False),
        ('sales_rep2', -1, 14, 2, 'visit', "拜访北京博远信息", 2, False),
        ('sales_rep2', 1, 10, 1, 'call', "上海恒通物流需求回访", 3, False),
        ('sales_rep2', 2, 9, 4, 'task', "准备 MMS 接口方案", 0, True),
        ('sales_rep2', 3, 14, 2, 'visit', "拜访西安秦川重工", 9, False),
        ]
    activities = []
    for login, day, hour, hours, type_, name, customer, on in plan:
        start = at(day, hour)
        activities.append(Activity(name=name, type=type_,
                employee=Employee(employees[login].id),
                party=customers[customer] if customer is not None else None,
                opportunity=opportunity if on else None,
                start=start, end=start + dt.timedelta(hours=hours)))
    Activity.save(activities)
    first = activities[0]
    first.result = "客户要求投标文件附接口方案和三个工厂的上线计划"
    first.save()
    first.click('do')


def _communications(maker, employees, opportunity):
    "A visit recorded with its next action, planned in the calendar"
    from proteus import Model
    Communication = Model.get('crm8.communication')
    ContactMechanism = Model.get('party.contact_mechanism')
    buyer, = ContactMechanism.find([
            ('party', '=', maker.id), ('name', '=', "王采购")])
    now = dt.datetime.now().replace(microsecond=0)
    Communication(party=maker, employee=employees['sales_rep'],
        date=now - dt.timedelta(days=1), channel='visit',
        summary="与王采购沟通投标安排", purpose='negotiation',
        opportunity=opportunity, decision_maker=buyer,
        result="客户确认公开招标，预算已批复",
        next_action="提交投标保证金凭证复印件", next_type='task',
        next_date=now + dt.timedelta(days=2)).save()
