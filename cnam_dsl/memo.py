"""A bounded memo: what `cnam batch` remembers stays within a size, whatever the input."""


class Memo(dict):
    """A dict of at most `size` entries; when full it is emptied (what it holds can always be made again)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def keep(self, key, value):
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value
