# Encrypts the notes written before 0003 (reversed: writes them back as plaintext).

from django.db import migrations

from port.core.encryption import encrypt_existing_rows


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0003_encrypt_notes'),
    ]

    operations = [
        encrypt_existing_rows('referrals', ['Referral']),
    ]
