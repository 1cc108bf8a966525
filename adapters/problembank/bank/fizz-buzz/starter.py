from typing import List


def fizz_buzz(n: int) -> List[str]:
    # Write your solution here.
    return []
