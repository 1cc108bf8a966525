def min_distance(word1: str, word2: str) -> int:
    # Write your solution here.
    return 0
