# Issue 11, national scale: the statistics snapshot and the indexes of the hot paths (queues,
# search, employer dashboard). Indexes are built CONCURRENTLY on PostgreSQL (no write lock on the
# case tables during a deploy), hence a non-atomic migration.

import django.db.models.deletion
from django.db import migrations, models

from applications.migration_operations import AddIndexOnline, RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('applications', '0002_backoffice'),
    ]

    operations = [
        migrations.CreateModel(
            name='StatisticsSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(max_length=200, unique=True)),
                ('data', models.JSONField(default=dict)),
                ('computed_at', models.DateTimeField()),
                ('seconds', models.FloatField(default=0)),
            ],
        ),
        AddIndexOnline(
            model_name='case',
            index=models.Index(fields=['state', 'submitted_at', 'id'], name='case_state_submitted_id'),
        ),
        RemoveIndexOnline(
            model_name='case',
            name='case_state_submitted',
        ),
        AddIndexOnline(
            model_name='case',
            index=models.Index(fields=['submitted_at', 'id'], name='case_submitted_id'),
        ),
        AddIndexOnline(
            model_name='case',
            index=models.Index(fields=['employer', '-created_at', '-id'], name='case_employer_created'),
        ),
        AddIndexOnline(
            model_name='case',
            index=models.Index(fields=['person'], include=('id',), name='case_person_covering'),
        ),
        migrations.AlterField(
            model_name='case',
            name='person',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='applications.person'),
        ),
        AddIndexOnline(
            model_name='documentrequest',
            index=models.Index(condition=models.Q(('fulfilled_at__isnull', True)), fields=['due_at', 'case'], name='docrequest_open_due'),
        ),
        AddIndexOnline(
            model_name='person',
            index=models.Index(fields=['nationality'], name='person_nationality'),
        ),
    ]
