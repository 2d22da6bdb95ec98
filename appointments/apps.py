from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self) -> None:
        from appointments import demo
        from scheduling.demo import register_demo_seeder

        register_demo_seeder(demo.seed_appointment_types)
        register_demo_seeder(demo.seed_demo_appointments)
