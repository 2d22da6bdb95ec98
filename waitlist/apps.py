from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from appointments.services.events import register_listener
        from waitlist import openings

        register_listener(openings.on_appointment_event)
