# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
from trytond.pool import Pool


def notify(users, label, description='', records=None):
    """Show an in-app notification to each user.

    records: records the notification opens when clicked (same model).
    """
    Notification = Pool().get('res.notification')
    values = []
    for user in {u.id: u for u in users}.values():
        value = {
            'user': user.id,
            'label': label[:250],
            'description': (description or '')[:250],
            'icon': 'tryton-notification',
            }
        if records:
            value['model'] = records[0].__name__
            value['records'] = ','.join(str(r.id) for r in records)
        values.append(value)
    if values:
        Notification.create(values)
