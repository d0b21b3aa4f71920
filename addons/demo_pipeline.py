# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Demo pipeline (crm8_sales SAL-1, DASH-2): opportunities of the two reps
across the sales stages, the MMS opportunity in negotiation."""
from decimal import Decimal

OPPORTUNITIES = [
    # customer index, rep, description, product index, quantity, stage
    (8, 'sales_rep', "新材料车间 MMS 模块", 0, 1, 'stage_initial_contact'),
    (8, 'sales_rep', "工业平板电脑批量采购", 3, 40, 'stage_needs'),
    (1, 'sales_rep', "MMS 年度维护续约", 2, 1, 'stage_proposal'),
    (1, 'sales_rep', "车间平板更新", 3, 10, 'stage_lost'),
    (3, 'sales_rep2', "仓储平板终端", 3, 25, 'stage_initial_contact'),
    (2, 'sales_rep2', "MMS 实施服务扩容", 1, 120, 'stage_needs'),
    (5, 'sales_rep2', "MMS 企业版试点", 0, 1, 'stage_proposal'),
    (9, 'sales_rep2', "产线数字化改造", 0, 2, 'stage_negotiation'),
    (5, 'sales_rep2', "MMS 年度维护", 2, 1, 'stage_won'),
    ]


def _stage(name):
    from proteus import Model
    ModelData = Model.get('ir.model.data')
    data, = ModelData.find([
            ('module', '=', 'crm8_sales'), ('fs_id', '=', name)])
    return data.db_id


def pipeline(config, customers, employees, products, prices, mms):
    "Fill the pipeline and open 'My opportunities' at the reps' login"
    from proteus import Model
    Opportunity = Model.get('sale.opportunity')
    for index, rep, description, product, quantity, stage in OPPORTUNITIES:
        opportunity = Opportunity(description=description,
            party=customers[index], employee=employees[rep])
        line = opportunity.lines.new()
        line.product = products[product]
        line.quantity = quantity
        opportunity.amount = prices[product] * quantity
        opportunity.save()
        Opportunity.write([opportunity.id], {'stage': _stage(stage)},
            config.context)
    # the brochure's opportunity: in negotiation, terms almost agreed
    mms, = Opportunity.find([('description', '=', mms)])
    Opportunity.write([mms.id], {'stage': _stage('stage_negotiation')},
        config.context)
    Opportunity.write([mms.id], {'conversion_probability': 0.99,
            'amount': Decimal('1235000')}, config.context)

    User = Model.get('res.user')
    Action = Model.get('ir.action')
    ModelData = Model.get('ir.model.data')
    mine, = ModelData.find([('module', '=', 'crm8_sales'),
            ('fs_id', '=', 'act_opportunity_mine')])
    for user in User.find([('login', 'in', ['sales_rep', 'sales_rep2'])]):
        user.actions.append(Action(mine.db_id))
        user.save()
