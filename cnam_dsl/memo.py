"""A bounded memo: what `cnam batch` remembers stays within a size, whatever the input."""


class Memo(dict):
    """A dict of at most `size` entries and, with `max_bytes`, of at most that many bytes (each entry weighing
    what `keep` is told); when full it is emptied (what it holds can always be made again).

    >>> memo = Memo(10, max_bytes=100)
    >>> memo.keep("a", b"x" * 60, 60), memo.keep("b", b"y" * 60, 60) and sorted(memo), memo.bytes
    (b'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', ['b'], 60)
    """

    def __init__(self, size: int, max_bytes: int | None = None):
        super().__init__()
        self.size, self.max_bytes, self.bytes = size, max_bytes, 0

    def keep(self, key, value, weight: int = 0):
        if len(self) >= self.size or (self.max_bytes is not None and self.bytes + weight > self.max_bytes):
            self.clear()
        self[key] = value
        self.bytes += weight
        return value

    def clear(self) -> None:
        super().clear()
        self.bytes = 0
