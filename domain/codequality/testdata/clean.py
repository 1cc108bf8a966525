"""Two-sum solution."""
from typing import List

MAX_ITEMS = 1000


def two_sum(numbers: List[int], target: int) -> List[int]:
    """Return indices of the two numbers adding up to target."""
    seen = {}
    for index, value in enumerate(numbers):
        complement = target - value
        if complement in seen:
            return [seen[complement], index]
        seen[value] = index
    return []


class Solver:
    def __init__(self, limit=MAX_ITEMS):
        self.limit = limit

    def solve(self, numbers, target):
        # Guard against oversized input.
        if len(numbers) > self.limit:
            raise ValueError("too many numbers")
        return two_sum(numbers, target)


if __name__ == "__main__":
    print(Solver().solve([2, 7, 11, 15], 9))
