def is_anagram(s: str, t: str) -> bool:
    # Write your solution here.
    return False
