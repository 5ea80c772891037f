# Issue 11, national scale: indexes of the back-office queues and the authorities board on the
# open requests. Built CONCURRENTLY on PostgreSQL (see applications.migration_operations).

from django.db import migrations, models

from applications.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('authorities', '0002_authority_requests_outbox'),
    ]

    operations = [
        AddIndexOnline(
            model_name='authorityrequest',
            index=models.Index(condition=models.Q(('state__in', ['pending', 'sent', 'acknowledged'])), fields=['authority', 'due_at', 'case'], name='authreq_open_due'),
        ),
        AddIndexOnline(
            model_name='authorityrequest',
            index=models.Index(condition=models.Q(('state__in', ['pending', 'sent', 'acknowledged'])), fields=['due_at', 'case'], name='authreq_open_due_any'),
        ),
        AddIndexOnline(
            model_name='authorityrequest',
            index=models.Index(fields=['authority', 'case'], name='authreq_authority_case'),
        ),
    ]
