from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "recalls"
    verbose_name = "Recalls"

    def ready(self) -> None:
        from appointments.columns import Column, register_column
        from appointments.services.events import register_listener
        from recalls import demo, engine, selectors
        from scheduling.demo import register_demo_seeder

        register_demo_seeder(demo.seed_recall_types)
        register_demo_seeder(demo.seed_patient_recalls)
        register_listener(engine.on_appointment_event, first_read=engine.open_recalls_read)
        register_column(Column.RECALL, selectors.fulfilled_recall_sql)
        register_column(Column.NEXT_RECALL_DUE, selectors.next_recall_due_sql)
