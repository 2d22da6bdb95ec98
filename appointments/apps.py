from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self) -> None:
        from appointments import demo
        from appointments.serializers import ConflictDetailsSerializer
        from appointments.services.conflicts import Conflicts
        from appointments.services.warnings import appointments_under_blockouts
        from blockouts.coverage import register_coverage_reporter
        from scheduling.api.exceptions import register_renderer
        from scheduling.demo import register_demo_seeder

        register_renderer(Conflicts, lambda conflicts: ConflictDetailsSerializer(conflicts).data)

        register_coverage_reporter(appointments_under_blockouts)
        register_demo_seeder(demo.seed_appointment_types)
        register_demo_seeder(demo.seed_demo_appointments)
