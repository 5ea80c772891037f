"""Fee labels stored in the language of whoever created the fee ("Nationales Visum") go back to their
source text ("National visa"), which every reader's page translates."""

from django.conf import settings
from django.db import migrations
from django.utils import translation


def labels_to_source_text(apps, schema_editor):
    from applications.rules import catalogue

    fees = [value for name, value in vars(catalogue).items() if name.startswith("FEE_")]
    source_of = {}
    for fee in fees:
        with translation.override(None):
            source = str(fee.label)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                source_of[str(fee.label)] = source
    FeeDue = apps.get_model("applications", "FeeDue")
    for translated, source in source_of.items():
        if translated != source:
            FeeDue.objects.filter(label=translated).update(label=source)


class Migration(migrations.Migration):
    dependencies = [("applications", "0022_pay19_fee_kinds_refunds")]
    operations = [migrations.RunPython(labels_to_source_text, migrations.RunPython.noop)]
