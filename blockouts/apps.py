from django.apps import AppConfig


class BlockoutsConfig(AppConfig):
    name = "blockouts"
    verbose_name = "Blockouts"

    def ready(self) -> None:
        from blockouts import demo
        from blockouts.serializers import BlockoutOverlapDetailsSerializer
        from blockouts.services.instances import BlockoutOverlaps
        from scheduling.api.exceptions import register_renderer
        from scheduling.demo import register_demo_seeder

        register_renderer(
            BlockoutOverlaps, lambda overlaps: BlockoutOverlapDetailsSerializer(overlaps).data
        )

        register_demo_seeder(demo.seed_blockout_types)
        register_demo_seeder(demo.seed_blockouts)
