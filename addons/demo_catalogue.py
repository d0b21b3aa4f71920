# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
"""Demo catalogue of the brochure's kind: MMS software, industrial
hardware and services, with series, brands, packaging, a dealer price list
and a two-level BOM (crm8_product)."""
from decimal import Decimal

# code, name, list price, cost, unit, series key, brand key, packaging
PARTS = [
    ("HW-CAB", "工控柜 (含配电)", Decimal('18000'), None, 'Unit', 'terminal',
        'huaxin', None),
    ("HW-PLC", "PLC 控制模块", Decimal('3200'), Decimal('1900'), 'Unit',
        'terminal', 'advantech', ('box', 4)),
    ("HW-CBL", "工业信号电缆", Decimal('12'), Decimal('6'), 'Meter',
        'terminal', 'huaxin', ('roll', 100)),
    ("HW-WS", "MMS 数据采集工作站", Decimal('36000'), None, 'Unit',
        'terminal', 'huaxin', None),
    ]


def load(company, products):
    "Extend the demo products into a catalogue; products keep their codes"
    from proteus import Model
    from proteus.config import get_config
    config = get_config()
    Series = Model.get('crm8.product.series')
    Brand = Model.get('crm8.product.brand')
    Template = Model.get('product.template')
    Product = Model.get('product.product')
    Uom = Model.get('product.uom')
    PriceList = Model.get('product.price_list')
    BOM = Model.get('production.bom')
    ProductBom = Model.get('product.product-production.bom')

    software = Series(name="软件", kind='type', code='SW')
    software.save()
    mms = Series(name="MMS 制造管理", kind='series', parent=software,
        code='MMS')
    mms.save()
    hardware = Series(name="硬件", kind='type', code='HW')
    hardware.save()
    terminal = Series(name="工控终端", kind='series', parent=hardware,
        code='TRM')
    terminal.save()
    services = Series(name="服务", kind='type', code='SRV')
    services.save()
    implementation = Series(name="实施与维护", kind='series',
        parent=services, code='IMPL')
    implementation.save()
    series = {'mms': mms, 'terminal': terminal,
        'implementation': implementation}
    brands = {}
    for key, name in [('huaxin', "华信"), ('advantech', "研华")]:
        brands[key] = Brand(name=name)
        brands[key].save()

    # the products of demo.py get their series and brand
    for product, key in zip(products,
            ['mms', 'implementation', 'implementation', 'terminal']):
        template = Template(product.template.id)
        template.series = series[key]
        template.brand = brands['huaxin']
        template.save()

    with config.set_context(language='en'):
        units = {u.name: u for u in Uom.find(
                [('name', 'in', ['Unit', 'Meter'])])}
    made = {}
    for code, name, price, cost, unit, key, brand, packaging in PARTS:
        template = Template(name=name, code=code, type='goods',
            default_uom=units[unit], salable=True, list_price=price,
            producible=cost is None, series=series[key],
            brand=brands[brand])
        if packaging:
            template.package_type, template.units_per_package = packaging
        template.save()
        product, = template.products
        if cost is not None:
            product = Product(product.id)
            product.cost_price = cost
            product.save()
        made[code] = product
    tablet, = [p for p in products if p.code == 'HW-TAB']
    tablet = Product(tablet.id)
    tablet.cost_price = Decimal('4200')
    tablet.save()

    # two levels: the workstation holds a cabinet, which holds PLCs and
    # cable
    def bom(parent, lines):
        record = BOM(name=parent.rec_name)
        for component, quantity in lines:
            line = record.inputs.new()
            line.product = component
            line.quantity = quantity
            line.unit = component.default_uom
        output = record.outputs.new()
        output.product = parent
        output.quantity = 1
        output.unit = parent.default_uom
        record.save()
        ProductBom(product=parent, bom=record).save()
        return record
    bom(made['HW-CAB'], [(made['HW-PLC'], 2), (made['HW-CBL'], 20)])
    bom(made['HW-WS'], [(made['HW-CAB'], 1), (tablet, 2)])
    for code in ['HW-CAB', 'HW-WS']:
        template = Template(made[code].template.id)
        template.click('update_cost_from_bom')

    dealer = PriceList(name="经销商价", price='list_price')
    line = dealer.lines.new(series=terminal, quantity=10)
    line.formula = 'unit_price * Decimal("0.75")'
    line = dealer.lines.new(series=hardware)
    line.formula = 'unit_price * Decimal("0.85")'
    line = dealer.lines.new(series=software)
    line.formula = 'unit_price * Decimal("0.9")'
    line = dealer.lines.new()
    line.formula = 'unit_price'
    dealer.save()

    # key accounts: hardware at cost plus 35 % from 5 units, software at
    # the list price minus 8 %
    key_account = PriceList(name="大客户价", price='list_price')
    line = key_account.lines.new(series=hardware, quantity=5,
        kind='cost_plus')
    line.rate = Decimal('35')
    line = key_account.lines.new(series=software, kind='list_minus')
    line.rate = Decimal('8')
    line = key_account.lines.new()
    line.formula = 'unit_price'
    key_account.save()

    # the suppliers of the bought parts, with their prices
    Party = Model.get('party.party')
    advantech = Party(name="研华科技 (中国) 有限公司")
    advantech.save()
    for code, price in [('HW-PLC', Decimal('1900')), ('HW-CBL', Decimal('6'))]:
        template = Template(made[code].template.id)
        template.purchasable = True
        supplier = template.product_suppliers.new(party=advantech)
        supplier.prices.new(quantity=0, unit_price=price)
        template.save()
