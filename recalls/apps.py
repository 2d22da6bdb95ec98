from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "recalls"
    verbose_name = "Recalls"

    def ready(self) -> None:
        from appointments.services.events import register_listener
        from recalls import demo, engine
        from scheduling.demo import register_demo_seeder

        register_demo_seeder(demo.seed_recall_types)
        register_demo_seeder(demo.seed_patient_recalls)
        register_listener(engine.on_appointment_event)
