def is_match(s: str, p: str) -> bool:
    # Write your solution here.
    return False
