# This file is part of crm8.  The COPYRIGHT file at the top level of this
# repository contains the full copyright notices and license terms.
import io
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import BOMImportError

# column order of a BOM template sheet (first row is the header)
COLUMNS = ['parent', 'component', 'quantity', 'unit']


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'
    production_cost = fields.Function(fields.Numeric(
            "Production Cost", digits=(16, 4),
            help="The cost of one unit built from its BOM: the components' "
            "quantities times their own production cost, or their cost "
            "price when they have no BOM."),
        'get_production_cost')

    def get_production_cost(self, name=None):
        return self.rolled_up_cost()

    def rolled_up_cost(self, _seen=None):
        "Cost of one default unit: BOM roll-up, else the cost price"
        Uom = Pool().get('product.uom')
        seen = (_seen or set()) | {self.id}
        bom = self.get_bom()
        if not bom or not bom.bom.inputs:
            return self.cost_price
        bom = bom.bom
        output_quantity = sum(
            Uom.compute_qty(o.unit, o.quantity, self.default_uom)
            for o in bom.outputs if o.product == self) or 1
        cost = Decimal(0)
        for input_ in bom.inputs:
            for line, quantity in input_.lines_for_quantity(input_.quantity):
                component = line.product
                if component.id in seen:
                    continue
                quantity = Uom.compute_qty(
                    line.unit, quantity, component.default_uom)
                unit_cost = component.rolled_up_cost(seen) or Decimal(0)
                cost += Decimal(str(quantity)) * unit_cost
        digits = self.__class__.cost_price.digits[1]
        return (cost / Decimal(str(output_quantity))).quantize(
            Decimal(1).scaleb(-digits))

    @classmethod
    def update_cost_from_bom(cls, products):
        "Set the cost price of the products that have a BOM to its roll-up"
        for product in products:
            if product.get_bom():
                cost = product.rolled_up_cost()
                if cost != product.cost_price:
                    product.cost_price = cost
                    product.save()


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'update_cost_from_bom': {
                    'invisible': ~Eval('producible', False),
                    'depends': ['producible'],
                    },
                })

    @classmethod
    @ModelView.button
    def update_cost_from_bom(cls, templates):
        Product = Pool().get('product.product')
        Product.update_cost_from_bom(
            [p for t in templates for p in t.products])


class BOMInput(metaclass=PoolMeta):
    __name__ = 'production.bom.input'
    components = fields.Function(fields.One2Many(
            'production.bom.input', None, "Components",
            help="The lines of the component's own BOM."),
        'get_components', setter='set_components')

    def get_components(self, name):
        if self.product:
            product_bom = self.product.get_bom()
            if product_bom:
                return [i.id for i in product_bom.bom.inputs]
        elif self.phantom_bom:
            return [i.id for i in self.phantom_bom.inputs]
        return []

    @classmethod
    def set_components(cls, inputs, name, value):
        # the tree saves its edited sub-lines through their parent line;
        # lines are added or removed on their own BOM, not here
        for action, *args in value or []:
            if action == 'write':
                cls.write(*args)


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'
    bom = fields.Many2One(
        'production.bom', "BOM", ondelete='RESTRICT',
        help="The bill of materials of the solution offered.")


class BOMImportStart(ModelView):
    __string__ = "Import BOM Template"
    __name__ = 'crm8.product.bom.import.start'
    file = fields.Binary("Template", required=True, filename='filename',
        help="An Excel sheet with the columns: parent product code, "
        "component product code, quantity, unit (optional).")
    filename = fields.Char("File Name")


class BOMImport(Wizard):
    __string__ = "Import BOM Template"
    __name__ = 'crm8.product.bom.import'
    start = StateView('crm8.product.bom.import.start',
        'crm8_product.bom_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateAction('production.act_bom_list')

    def do_import_(self, action):
        boms = import_bom_template(self.start.file)
        action['domain'] = str([('id', 'in', [b.id for b in boms])])
        return action, {}


def read_rows(content):
    "Yield (line number, values) of the first sheet after its header"
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
        if number == 1:
            continue
        values = [v.strip() if isinstance(v, str) else v
            for v in (list(row) + [None] * len(COLUMNS))[:len(COLUMNS)]]
        if all(v in (None, '') for v in values):
            continue
        yield number, dict(zip(COLUMNS, values))


def import_bom_template(content):
    """Create one BOM per parent code of the template and return them.

    Every line is checked first; on any error nothing is created and the
    error lists each bad line with its number and reason."""
    pool = Pool()
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    BOM = pool.get('production.bom')
    Input = pool.get('production.bom.input')
    errors = []

    def error(number, msg_id, **kwargs):
        errors.append(gettext(
                'crm8_product.msg_bom_import_line', line=number,
                reason=gettext('crm8_product.' + msg_id, **kwargs)))

    try:
        rows = list(read_rows(content))
    except Exception:
        raise BOMImportError(gettext('crm8_product.msg_bom_import_file'))
    codes = {str(r[c]) for _, r in rows for c in ['parent', 'component']
        if r[c] not in (None, '')}
    products = {p.code: p for p in Product.search([('code', 'in', codes)])}
    component_types = set(Input.get_product_types())
    lines = {}  # parent product -> [(number, component, quantity, unit)]
    for number, row in rows:
        found = {}
        for column in ['parent', 'component']:
            code = row[column]
            if code in (None, ''):
                error(number, 'msg_bom_import_missing_code')
            elif str(code) not in products:
                error(number, 'msg_bom_import_unknown_code', code=code)
            else:
                found[column] = products[str(code)]
        component = found.get('component')
        if component and component.type not in component_types:
            error(number, 'msg_bom_import_not_material',
                product=component.rec_name)
            component = None
        if component and component == found.get('parent'):
            error(number, 'msg_bom_import_itself',
                product=component.rec_name)
            component = None
        quantity = row['quantity']
        try:
            quantity = float(quantity)
        except (TypeError, ValueError):
            quantity = None
        if not quantity or quantity <= 0:
            error(number, 'msg_bom_import_quantity',
                quantity=row['quantity'] if row['quantity'] is not None
                else '')
        unit = component.default_uom if component else None
        if component and row['unit'] not in (None, ''):
            units = Uom.search(['OR',
                    ('symbol', '=', row['unit']),
                    ('name', '=', row['unit']),
                    ], limit=1)
            if not units or units[0].category != unit.category:
                error(number, 'msg_bom_import_unit', unit=row['unit'],
                    product=component.rec_name)
            else:
                unit, = units
        if 'parent' in found and component and quantity and quantity > 0:
            lines.setdefault(found['parent'], []).append(
                (number, component, quantity, unit))

    # a cycle among the template's parents would make an endless tree
    def reaches(product, target, path):
        for _, component, _, _ in lines.get(product, []):
            if component == target or (component not in path
                    and reaches(component, target, path | {component})):
                return True
        return False
    for parent, parent_lines in lines.items():
        for number, component, _, _ in parent_lines:
            if reaches(component, parent, {component}):
                error(number, 'msg_bom_import_cycle',
                    product=component.rec_name, parent=parent.rec_name)
    if not rows:
        errors.append(gettext('crm8_product.msg_bom_import_empty'))
    if errors:
        raise BOMImportError(gettext(
                'crm8_product.msg_bom_import_errors',
                errors='\n'.join(errors)))

    boms = []
    for parent, parent_lines in lines.items():
        bom = BOM(name=parent.rec_name)
        bom.inputs = [Input(product=c, quantity=q, unit=u)
            for _, c, q, u in parent_lines]
        bom.outputs = [pool.get('production.bom.output')(
                product=parent, quantity=1, unit=parent.default_uom)]
        boms.append(bom)
    BOM.save(boms)
    ProductBom = pool.get('product.product-production.bom')
    ProductBom.save([ProductBom(product=p, bom=b)
            for p, b in zip(lines.keys(), boms)])
    return boms
