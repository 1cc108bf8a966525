from typing import List


def coin_change(coins: List[int], amount: int) -> int:
    # Write your solution here.
    return 0
