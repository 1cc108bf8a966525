from typing import List


def coin_change(coins: List[int], amount: int) -> int:
    impossible = amount + 1
    fewest = [0] + [impossible] * amount  # fewest[a]: coins that make a
    for a in range(1, amount + 1):
        for c in coins:
            if c <= a and fewest[a - c] + 1 < fewest[a]:
                fewest[a] = fewest[a - c] + 1
    return -1 if fewest[amount] == impossible else fewest[amount]
