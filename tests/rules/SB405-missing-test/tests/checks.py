def test_exists():
    pass


class TestGroup:
    def test_in_a_class(self):
        pass


async def test_planned_async_is_a_def_too():
    pass
