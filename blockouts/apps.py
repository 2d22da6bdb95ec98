from django.apps import AppConfig


class BlockoutsConfig(AppConfig):
    name = "blockouts"
    verbose_name = "Blockouts"

    def ready(self) -> None:
        from blockouts import demo
        from scheduling.demo import register_demo_seeder

        register_demo_seeder(demo.seed_blockout_types)
        register_demo_seeder(demo.seed_blockouts)
