def length_of_longest_substring(s: str) -> int:
    # Write your solution here.
    return 0
