from collections import OrderedDict
from typing import List


def lru_cache(capacity: int, operations: List[str], args: List[List[int]]) -> List[int]:
    cache = OrderedDict()  # least recently used first
    answers = []
    for op, arg in zip(operations, args):
        key = arg[0]
        if op == "get":
            if key in cache:
                cache.move_to_end(key)
                answers.append(cache[key])
            else:
                answers.append(-1)
        else:
            cache[key] = arg[1]
            cache.move_to_end(key)
            if len(cache) > capacity:
                cache.popitem(last=False)
    return answers
