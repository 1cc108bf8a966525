def reverse_words(s: str) -> str:
    # Write your solution here.
    return ""
