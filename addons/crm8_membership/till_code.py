# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Codes that pay at the till: coupon numbers (coupon.py) and discount
codes (discount.py)

Each is a Many2One ``field`` of ``sale.point.payment`` and the payment is
the use of the code. What makes a use and how a refund gives the code back
is the same for both, so it is written once here; what a code is worth and
who may use it stays in each file. ``CouponNumber._active_query`` counts
the till uses of coupon numbers in SQL the same way.
"""
from collections import Counter

from trytond.pool import Pool
from trytond.transaction import without_check_access


def till_uses(field, records, exclude=None):
    """Return by record id the uses at the till of each record: its positive
    payments on sales not cancelled (an open sale holds it) less its
    negative ones on done or posted refunds"""
    Payment = Pool().get('sale.point.payment')
    ids = [r.id for r in records]
    counts = Counter({i: 0 for i in ids})
    with without_check_access():
        uses = Payment.search([
                (field, 'in', ids),
                ('amount', '>', 0),
                ('sale.state', '!=', 'cancelled'),
                ('id', '!=', exclude.id if exclude else None),
                ])
        returns = Payment.search([
                (field, 'in', ids),
                ('amount', '<', 0),
                ('sale.state', 'in', ['done', 'posted']),
                ])
        counts.update(getattr(p, field).id for p in uses)
        counts.subtract(getattr(p, field).id for p in returns)
    return dict(counts)


def gives_back(payment, field):
    """Whether the negative payment gives back, once, what the refunded sale
    paid with the same code"""
    code, original = getattr(payment, field), payment.sale.refund_of
    return bool(original
        and any(getattr(p, field) == code and p.amount == -payment.amount
            for p in original.payments)
        and not any(p != payment and getattr(p, field) == code
            for p in payment.sale.payments))


def give_back(sales, field):
    """Add to the open refunds of the sales the negative payments that give
    back the codes the sales paid with, unless they have some already"""
    pool = Pool()
    Payment = pool.get('sale.point.payment')
    Sale = pool.get('sale.point.sale')
    returns = []
    for sale in Sale.browse([s.id for s in sales]):
        paid = [p for p in sale.payments if getattr(p, field)]
        for refund in sale.refunds:
            if refund.state != 'open' or any(
                    getattr(p, field) for p in refund.payments):
                continue
            returns.extend(Payment(
                    sale=refund, method=p.method, amount=-p.amount,
                    **{field: getattr(p, field)})
                for p in paid)
    Payment.save(returns)
