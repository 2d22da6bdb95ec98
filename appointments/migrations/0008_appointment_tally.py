"""The appointment tally: deltas per (org, location) written by triggers on the
appointments table, filled from the rows already there (see ``appointments.tally``)."""

import django.db.models.deletion
from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION appointments_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appointments_appointmenttally (org_id, location_id, n)
    SELECT org_id, location_id, count(*) FROM added GROUP BY org_id, location_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_tally_inserted AFTER INSERT ON appointments_appointment
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION appointments_tally_inserted();

CREATE FUNCTION appointments_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appointments_appointmenttally (org_id, location_id, n)
    SELECT org_id, location_id, -count(*) FROM removed GROUP BY org_id, location_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_tally_deleted AFTER DELETE ON appointments_appointment
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION appointments_tally_deleted();

-- PostgreSQL refuses transition tables on a trigger with a column list, and a statement
-- trigger on every UPDATE would make each status change, move in time and bulk update
-- keep both versions of its rows for nothing. Moves between locations are rare: a row
-- trigger that fires only for them (the WHEN is checked without calling the function).
CREATE FUNCTION appointments_tally_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appointments_appointmenttally (org_id, location_id, n)
    VALUES (OLD.org_id, OLD.location_id, -1), (NEW.org_id, NEW.location_id, 1);
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_tally_moved AFTER UPDATE OF org_id, location_id
    ON appointments_appointment FOR EACH ROW
    WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id
          OR OLD.location_id IS DISTINCT FROM NEW.location_id)
    EXECUTE FUNCTION appointments_tally_moved();

CREATE FUNCTION appointments_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM appointments_appointmenttally;
    RETURN NULL;
END
$$;
CREATE TRIGGER appointments_tally_truncated AFTER TRUNCATE ON appointments_appointment
    FOR EACH STATEMENT EXECUTE FUNCTION appointments_tally_truncated();

-- CREATE TRIGGER has locked out writers of appointments until this migration commits,
-- so the rows counted here are all there are: later writes go through the triggers.
INSERT INTO appointments_appointmenttally (org_id, location_id, n)
SELECT org_id, location_id, count(*) FROM appointments_appointment
GROUP BY org_id, location_id;
"""

DROP_TRIGGERS = """
DROP TRIGGER appointments_tally_inserted ON appointments_appointment;
DROP TRIGGER appointments_tally_deleted ON appointments_appointment;
DROP TRIGGER appointments_tally_moved ON appointments_appointment;
DROP TRIGGER appointments_tally_truncated ON appointments_appointment;
DROP FUNCTION appointments_tally_inserted();
DROP FUNCTION appointments_tally_deleted();
DROP FUNCTION appointments_tally_moved();
DROP FUNCTION appointments_tally_truncated();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0007_alter_appointment_cancelled_by"),
        ("scheduling", "0007_organization_timezone"),
    ]

    operations = [
        migrations.CreateModel(
            name="AppointmentTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("n", models.BigIntegerField(help_text="Appointments added (negative: removed).")),
                (
                    "location",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.location",
                    ),
                ),
                (
                    "org",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="scheduling.organization",
                    ),
                ),
            ],
            options={
                "ordering": ["org_id", "location_id", "id"],
                "indexes": [
                    models.Index(fields=["org", "location"], name="appt_tally_org_location")
                ],
            },
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
