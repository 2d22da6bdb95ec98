from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "recalls"
    verbose_name = "Recalls"

    def ready(self) -> None:
        from recalls import demo
        from scheduling.demo import register_demo_seeder

        register_demo_seeder(demo.seed_recall_types)
