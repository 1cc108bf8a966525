from typing import List


def lru_cache(capacity: int, operations: List[str], args: List[List[int]]) -> List[int]:
    # Write your solution here.
    return []
