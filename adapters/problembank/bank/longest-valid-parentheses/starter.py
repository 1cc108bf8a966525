def longest_valid_parentheses(s: str) -> int:
    # Write your solution here.
    return 0
