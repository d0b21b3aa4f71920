# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Demo quotations, orders and quotas (SAL-12, SAL-13, SAL-17).

A discounted quotation of 零件制造有限公司 waits for the sales manager's
approval, a quotation has been sent and an order is confirmed; the rep and
the team have quotas of the year and of the quarter that the order counts
for.  The approval flow is created here, so this runs after the other demo
sales.
"""
from decimal import Decimal


def load_quotes(customers, products):
    "customers and products as created by demo._load"
    from proteus import Model
    from proteus.config import get_config
    config = get_config()
    Flow = Model.get('crm8.approval.flow')
    Sale = Model.get('sale.sale')
    Request = Model.get('crm8.approval.request')
    User = Model.get('res.user')
    rep, = User.find([('login', '=', 'sales_rep')])

    flow = Flow(name="报价审批", model='sale.sale',
        min_amount=Decimal('1000000'), max_discount=0.1, min_margin=0.2)
    flow.steps.new(name="团队负责人审批", approver='team_leader')
    flow.save()

    admin = config.user
    config.user = rep.id
    try:
        def quote(customer, product, quantity, unit_price, description):
            sale = Sale(party=customer, invoice_method='manual',
                description=description, employee=rep.employee)
            line = sale.lines.new()
            line.product = product
            line.quantity = quantity
            line.unit_price = unit_price
            sale.click('quote')
            return sale

        # 12% off the list price of the enterprise edition
        waiting = quote(customers[0], products[0], 1, Decimal('862400'),
            "MMS 制造管理系统报价（折扣待审批）")
        waiting.click('approval_submit')

        sent = quote(customers[1], products[2], 1, Decimal('80000'),
            "MMS 年度维护报价")
        sent.click('send_quote')
        sent.click('quote_viewed')

        order = quote(customers[4], products[3], 10, Decimal('6800'),
            "工业平板电脑订单")
        order.click('send_quote')
        order.click('confirm')
    finally:
        config.user = admin
    _quotas(rep.employee, order)
    return Request.find([('state', '=', 'pending')])


def _quotas(employee, order):
    "The year's and the quarter's quotas of the rep and of the team"
    from proteus import Model
    Quota = Model.get('crm8.sales.quota')
    Team = Model.get('crm8.team')
    team, = Team.find([('name', '=', "华南销售一组")])
    # the order's date, which is today in the company's timezone
    year = order.sale_date.year
    quarter = (order.sale_date.month - 1) // 3 + 1
    for values in [
            {'employee': employee, 'period': 'year',
                'target': Decimal('1000000')},
            {'employee': employee, 'period': 'quarter', 'number': quarter,
                'target': Decimal('300000')},
            {'team': team, 'period': 'year', 'target': Decimal('3000000')},
            ]:
        Quota(year=year, **values).save()
