# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Demo pipeline (crm8_sales SAL-1, DASH-2): opportunities of the two reps
across the sales stages, the MMS opportunity in negotiation."""
from decimal import Decimal

OPPORTUNITIES = [
    # customer index, rep, description, product index, quantity, stage
    (8, 'sales_rep', "新材料车间 MMS 模块", 0, 1, "Initial Contact"),
    (8, 'sales_rep', "工业平板电脑批量采购", 3, 40, "Needs Confirmed"),
    (1, 'sales_rep', "MMS 年度维护续约", 2, 1, "Proposal and Quotation"),
    (1, 'sales_rep', "车间平板更新", 3, 10, "Lost"),
    (3, 'sales_rep2', "仓储平板终端", 3, 25, "Initial Contact"),
    (2, 'sales_rep2', "MMS 实施服务扩容", 1, 120, "Needs Confirmed"),
    (5, 'sales_rep2', "MMS 企业版试点", 0, 1, "Proposal and Quotation"),
    (9, 'sales_rep2', "产线数字化改造", 0, 2, "Negotiation"),
    (5, 'sales_rep2', "MMS 年度维护", 2, 1, "Won"),
    ]


def _stage(config, name):
    from proteus import Model
    Stage = Model.get('crm8.sales.stage')
    # the names are searched in English, the language of the data
    with config.set_context(language='en'):
        stage, = Stage.find([('name', '=', name)])
    return stage.id


def _accounting(config, products):
    """A revenue account on the products: converting an opportunity makes
    its sale, whose lines need it"""
    from proteus import Model
    Company = Model.get('company.company')
    AccountType = Model.get('account.account.type')
    Account = Model.get('account.account')
    Category = Model.get('product.category')
    company, = Company.find([])
    revenue = Account.find([('type.revenue', '=', True)], limit=1)
    if not revenue:
        kind = AccountType(name="收入", statement='income', revenue=True,
            company=company)
        kind.save()
        revenue = [Account(name="主营业务收入", code='6001', type=kind,
                company=company)]
        revenue[0].save()
    category = Category(name="软件与服务", accounting=True,
        account_revenue=revenue[0])
    category.save()
    for product in products:
        template = product.template
        if not template.account_category:
            template.account_category = category
            template.save()


def pipeline(config, customers, employees, products, prices, mms):
    "Fill the pipeline and open 'My opportunities' at the reps' login"
    from proteus import Model
    _accounting(config, products)
    Opportunity = Model.get('sale.opportunity')
    for index, rep, description, product, quantity, stage in OPPORTUNITIES:
        opportunity = Opportunity(description=description,
            party=customers[index], employee=employees[rep])
        line = opportunity.lines.new()
        line.product = products[product]
        line.quantity = quantity
        opportunity.amount = prices[product] * quantity
        opportunity.save()
        Opportunity.write([opportunity.id], {'stage': _stage(config, stage)},
            config.context)
    # the brochure's opportunity: in negotiation, terms almost agreed
    mms, = Opportunity.find([('description', '=', mms)])
    Opportunity.write([mms.id], {'stage': _stage(config, "Negotiation")},
        config.context)
    Opportunity.write([mms.id], {'conversion_probability': 0.99,
            'amount': Decimal('1235000')}, config.context)

    User = Model.get('res.user')
    Action = Model.get('ir.action')
    with config.set_context(language='en'):
        mine, = Action.find([('name', '=', "My Opportunities")])
    for user in User.find([('login', 'in', ['sales_rep', 'sales_rep2'])]):
        user.actions.append(Action(mine.id))
        user.save()
