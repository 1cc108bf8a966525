def roman_to_int(s: str) -> int:
    # Write your solution here.
    return 0
