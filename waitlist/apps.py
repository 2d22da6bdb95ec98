from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from appointments.services.events import register_listener
        from scheduling.demo import register_demo_seeder
        from waitlist import demo, openings

        register_demo_seeder(demo.seed_waitlist_entries)
        register_demo_seeder(demo.seed_open_opening)
        register_listener(openings.on_appointment_event)
